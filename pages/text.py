"""Text generation: next-character prediction, from bigram counts to a tiny Transformer."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.errors import quote
from core.corpus import CORPORA, MAX_PASTE, Vocab, check_text
from core.text import MODEL_LABELS, MODELS, TextConfig, TextTrainer
from dashboard import controls as ui
from dashboard import layout, live
from dashboard.fig_text import embedding_plane, loss_with_baselines, next_char_bars
from dashboard.presets import TEXT as TRY

NAME = "text"
URL = "text"  # the page's url_path (dashboard/topics.py)
PASTE = "paste"
LR_LADDER = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
WIDTHS = (8, 16, 32, 64, 128)
HEADS = (1, 2, 4, 8)
BUDGET = 20_000
TEXT_STATE = "text_pasted"  # the last good pasted text: (digest, text)

notices = layout.page(
    "Text generation",
    "A text is a sequence of tokens (here characters): a model gives the next one's probability "
    "p_θ(x_t | x_<t) and generates by drawing one token at a time and feeding it back.")
prompt = st.text_input("Prompt: the model continues it, and the bars show its next character",
                       "Anne ", max_chars=80, key="prompt", bind="query-params")

# ------------------------------------------------------------------ controls (sidebar, bound to the URL)
with st.sidebar:
    start = live.start_from()
    st.header("Text")
    source = ui.select("Corpus", "corpus", (*CORPORA, PASTE), "persuasion",
                       format_func=lambda s: "Your own text (paste it)" if s == PASTE else CORPORA[s][0])
    if source == PASTE:
        pasted = st.text_area("Paste a text (at least 200 characters)", key="text_paste", height=150,
                              max_chars=MAX_PASTE)
        if pasted:
            ui.keep_good(pasted.encode("utf-8", "surrogatepass"), lambda: check_text(pasted), TEXT_STATE, "text")
        elif TEXT_STATE in st.session_state:
            st.caption("The box is empty: the last good text is kept.")

    st.header("Model")
    model = ui.select("Model", "model", MODELS, "gru", format_func=MODEL_LABELS.get)
    if model == "bigram":
        st.caption("The bigram model only counts pairs: the settings below (but the seed) do not change it.")
    elif model == "ngram":
        st.caption("The n-gram MLP reads the last T characters (n = T): their embeddings, side by side, feed "
                   "an MLP with one hidden layer per layer below.")
    elif model == "transformer":
        st.caption("Each layer: causal self-attention with the heads below, then an MLP.")

    st.header("Sampling")
    temperature = ui.slider("Temperature τ", "temp", 0.0, 2.0, 0.8, 0.05)
    top_k = ui.slider("Top-k (0 = every character)", "topk", 0, 40, 0)
    layout.presets(TRY)
with layout.settings():
    st.header("Model size")
    context = ui.slider("Context length T (characters)", "ctx", 1, 128, 32)
    width = ui.log_slider("Width (embedding and hidden size)", "width", WIDTHS, 64)
    depth = ui.slider("Layers", "depth", 1, 4, 1)
    heads = ui.log_slider("Attention heads", "heads", HEADS, 4, help="Used by the Transformer only")

    st.header("Training")
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, 0.003)
    batch = ui.slider("Batch size (windows)", "batch", 1, 128, 32)
    seed = ui.number("Seed", "seed", 0, 9999, 0)

ui.show_url_notices(notices)
layout.preset_note(URL)

# ------------------------------------------------------------------ the job
if source == PASTE and TEXT_STATE not in st.session_state:
    st.info("Paste a text in the sidebar (at least 200 characters): a poem, a page of a book, some code.",
            icon=":material/edit_note:")
    job = None
else:
    text = st.session_state[TEXT_STATE][1] if source == PASTE else None
    cfg = TextConfig(model=model, corpus=source if source != PASTE else "persuasion", context=context,
                     width=width, depth=depth, heads=heads, lr=lr, batch_size=batch, seed=seed)
    text_key = st.session_state[TEXT_STATE][0] if source == PASTE else None
    job = live.ensure_trained_job(
        NAME, (dataclasses.replace(cfg, lr=0.0), text_key, start), live.RunSpec.of(TextTrainer, cfg, text),
        live={"lr": lr, "temperature": temperature, "top_k": top_k, "prompt": prompt},  # no reset for these
        max_steps=BUDGET, snapshot_every=0.3, snapshot_share=0.12,  # a sample is a tenth of the time at most
        reset_label="Settings changed", model="text", start=start,
        cfg=cfg if source != PASTE else dataclasses.replace(cfg, corpus="your own text"),  # its vocabulary differs
    )

if job is not None and "vocab" in job.snapshot():
    vocab = Vocab(job.snapshot()["vocab"])
    missing = vocab.unknown(prompt)
    if missing:
        st.warning(f"Not among this text's {vocab.size} characters, so left out of the prompt: "
                   f"{quote(' '.join(repr(c) for c in missing))}", icon=":material/warning:")

live.control_bar(job, NAME)


def copy_check(copy: dict) -> None:
    """The memorisation check of the sample (measured in the worker, core/memorisation.py)."""
    if "share" not in copy:
        return
    n = copy["n"]
    share = "–" if copy["share"] != copy["share"] else f"{copy['share']:.0%}"  # nan: a sample shorter than n
    c1, c2 = st.columns(2)
    c1.metric(f"Copied ({n} chars)", share,
              help=f"The share of the sample's overlapping {n}-character strings that occur verbatim in the "
                   "training text")
    c2.metric("Longest copy", f"{copy['longest']} chars",
              help="The longest run of the sample found verbatim in the training text")
    st.caption(f"Memorisation check. For comparison, the held-out end of the text, which no model has seen: "
               f"{copy['ref_share']:.0%} of its {n}-character strings occur in the training text, and "
               f"200-character windows of it copy at most {copy['ref_longest']:.0f} characters (median). "
               f"The sample's longest copy: “{quote(copy['longest_text'], 120)}”.")


def draw(job) -> None:
    snap = job.snapshot()
    if not job.active and job.state in ("idle", "paused", "finished") and \
            int(snap.get("sample_step", -1)) != job.step_count:
        job.set_live(refresh_sample=True)  # after a step or a pause: a sample of this very model
        snap = job.snapshot()
    shown_prompt = str(snap.get("prompt", ""))
    left, right = st.columns([1, 1])
    with left:
        top = snap["top_k"]
        st.markdown(f"**Sample** (τ = {snap['temperature']:g}, "
                    f"{'all characters' if not top else f'top {top}'}, "
                    f"step {int(snap.get('sample_step', 0)):,})")
        st.code(shown_prompt + str(snap.get("sample", "")), language=None, wrap_lines=True, height=250)
        st.caption(f"Vocabulary: {len(snap['vocab'])} characters; {snap['train_chars']:,} to train on, "
                   f"{snap['val_chars']:,} to validate on.")
        copy_check(snap.get("copy") or {})
    with right:
        layout.chart(next_char_bars(snap.get("chars"), snap.get("next_probs"), shown_prompt), "bars", main=True)
    loss, plane = st.columns([1, 1])
    with loss:
        layout.chart(loss_with_baselines(job.metrics(), snap["baselines"], reference=live.kept(NAME)), "loss")
        last = job.last_metrics
        c1, c2, c3 = st.columns(3)
        c1.metric("Validation loss", f"{last['val_loss']:.3f}" if "val_loss" in last else "–",
                  help="nats per character on the held-out end of the text")
        c2.metric("Bigram baseline", f"{snap['baselines']['bigram']:.3f}")
        c3.metric("Parameters θ", f"{snap['parameter_count']:,}")
        if snap["context"] < snap["requested_context"]:
            st.caption(f"The text is short: the context is limited to {snap['context']} characters.")
    with plane:
        title = "rows of the bigram table" if snap["model"] == "bigram" else "learned character embeddings"
        st.markdown(f"**Characters in 2D** (PCA of the {title})")
        layout.chart(embedding_plane(snap.get("embedding_2d"), snap.get("chars"), snap.get("char_counts")), "embed")


live.live_view(job, NAME, draw)

with layout.explanation():
    st.markdown(
        "Texts are time series. A text is cut into **tokens**, the units a model reads and writes: here single "
        "characters (large models use pieces of words). A model reads the tokens so far and gives a "
        "probability to every possible next token. Training makes the real next token likely (the loss is its "
        "negative log-probability, in nats); generating draws one token at a time and feeds it back. "
        "From counting pairs of letters to attention over the last T characters, every model here has the "
        "same job."
    )
    st.markdown(
        "By the chain rule of probability, the probability of a whole text is *exactly* the product of "
        "next-token probabilities given everything before. A model that sees only the last T tokens replaces "
        "each factor by one with the context cut to those T: an *approximation* (a Markov chain of order T). "
        "The bigram model cuts it to 1 character, the n-gram MLP and the Transformer to the last T; the GRU "
        "carries a hidden state along the text, but learns on windows of T characters."
    )
    st.latex(r"p(x_1,\dots,x_N) = \prod_{t=1}^{N} p\big(x_t\mid x_1,\dots,x_{t-1}\big)\quad\text{(exact)}")
    st.latex(r"\approx\ \prod_{t=1}^{N} p_\theta\big(x_t\mid x_{t-T},\dots,x_{t-1}\big)"
             r"\quad\text{(the last } T \text{ only)}")
    st.latex(r"L(\theta) = -\frac{1}{N}\sum_{t=1}^{N}\log p_\theta\big(x_t\mid x_{t-T},\dots,x_{t-1}\big)")
    st.latex(r"\text{bigram: } p(b\mid a) = \frac{N(a,b)+\alpha}{N(a)+\alpha V}\qquad"
             r"\text{sampling: } p_\tau(c) \propto \exp\!\big(\mathrm{logit}_c/\tau\big)\ \text{over the top } k")
    st.latex(r"\text{GRU: } h_t = \mathrm{GRU}\big(h_{t-1}, e(x_t)\big)\qquad"
             r"\text{attention: } \operatorname{softmax}\!\Big(\tfrac{QK^\top}{\sqrt{d}} + M_{\text{causal}}\Big)V")
    st.markdown(
        "**Self-supervised pre-training.** No one labels the data: in any text, the label of each position is "
        "simply the next token. So a model can learn from as much raw text as there is. "
        "**GPT** stands for *generative pre-trained transformer*: a Transformer like the one here, pre-trained "
        "this way on next-token prediction. Large language models (LLMs) are exactly this at scale: tokens that "
        "are pieces of words, billions of parameters and trillions of tokens of text, before further tuning "
        "to follow instructions.\n\n"
        "AI is more than LLMs, though: the same ideas generate images, sound and molecules (diffusion and flow "
        "models), and much of AI is not generative at all: classifiers like those on the first pages of this "
        "lecture, forecasting, planning and control."
    )
    st.markdown(
        "**Writing or reciting?** Beside the sample, the page measures how much of it is copied verbatim from "
        "the training text: the share of its 12-character strings (about two words) found there, and the "
        "longest copied run. Strings of 12 characters recur by chance in any English (\"in the morning\"), so "
        "the numbers are read against the author's own held-out text, which no model has seen. A model that "
        "copies far more than that, or whole sentences, recites its training data: the risk of large models "
        "trained on books and code.")
    layout.preset_list(TRY, URL)
    st.markdown(
        "- **GRU from scratch** (Start from: scratch) for a minute: words, then punctuation and capitals after full stops appear. Compare the "
        "validation loss with the bigram line.\n"
        "- **Embeddings**: after training, vowels gather, and so do digits and upper-case letters.\n"
        "- **Your own text**: paste a poem; with a few hundred characters the validation loss soon rises "
        "again while the training loss falls: the model learns the text by heart. Watch the copied share "
        "and the longest copied span climb at temperature 0.5."
    )
