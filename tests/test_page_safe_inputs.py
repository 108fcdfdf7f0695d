"""Safe inputs on the pages (issue 10): URL values echoed escaped, kept uploads, capped pasted text.

Every refusal is one line in an error box, the page shows no traceback, and what the student had
(the last good upload or text) is kept. A refused input is parsed once: a rerun shows its message
from memory.
"""

from __future__ import annotations

import pytest

import core.datasets
import core.corpus
import core.gmm_data
import dashboard.targets_ui
from core.corpus import MAX_PASTE
from tests.pagetest import assert_clean, errors, open_page
from tests.test_safe_inputs import rows, unescaped

ATTACK = "`x` ![img](http://e.vil/a.png) [link](https://e.vil) :red[boom] <b>$x$</b>" + "z" * 200


def echoed(notice: str, key: str) -> str:
    """The value a URL notice echoes for ``key`` (between '**key=' and '** ignored')."""
    return notice.split(f"**{key}=", 1)[1].split("** ignored", 1)[0]


@pytest.mark.parametrize("page, key", [("classification.py", "lr"), ("classification.py", "data"),
                                       ("text.py", "ctx"), ("gaussians.py", "cov")])
def test_url_values_are_echoed_escaped_and_truncated(page, key):
    at = open_page(page, {key: ATTACK})
    notice = " ".join(str(w.value) for w in at.warning)
    value = echoed(notice, key)
    assert unescaped(value) == "", value  # no code span, image, link, colour or formula
    assert value.startswith("\\`x\\` \\!\\[img\\]") and value.endswith("…") and "z" * 60 not in value


def test_a_prompt_from_the_url_is_quoted_safely_in_its_warning():
    at = open_page("text.py", {"prompt": "a`b` **c**"})  # the corpus has no backtick
    warning = " ".join(str(w.value) for w in at.warning)
    shown = warning.split("prompt: ", 1)[1]
    assert "\\`" in shown and unescaped(shown) == ""


UPLOADS = [  # page, URL query choosing "Your CSV", uploader key, kept state, reader's module and name, a good file
    ("classification.py", {"data": "Your CSV (x1, x2, label)"}, "cls_file", "cls_csv",
     core.datasets, "labelled_from_csv", rows(40)),
    ("gaussians.py", {"data": "Your CSV (1 or 2 numeric columns)"}, "gmm_file", "gmm_csv",
     core.gmm_data, "points_from_csv", rows(40, label=False)),
    ("score.py", {"target": "Your CSV of points (x1, x2)"}, "target_file", "_genlab_points",
     dashboard.targets_ui, "points_from_csv", rows(40, label=False)),
]
BAD = [
    (b"x1,x1,x2,label\n1,2,3,a\n", "more than once"),
    ((",".join(["1"] * 100_000) + "\n").encode(), "at most 64"),
    (rows(40, first="1e300,1,0\n"), "too large"),
    (rows(40, first="![i](http://e.vil/a.png)`,1,0\n"), "not a number"),
]


@pytest.mark.parametrize("page, query, key, state, module, name, good", UPLOADS)
def test_bad_uploads_say_why_keep_the_good_one_and_are_parsed_once(monkeypatch, page, query, key, state, module,
                                                                   name, good):
    at = open_page(page, query)
    at.file_uploader(key=key).upload("good.csv", good, "text/csv").run()
    assert_clean(at)
    assert not errors(at)
    digest = at.session_state[state][0]  # the good upload: (digest, data)
    calls = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda raw: calls.append(1) or real(raw))
    for bad, words in BAD:
        at.file_uploader(key=key).upload("bad ![x](y).csv", bad, "text/csv").run()
        assert_clean(at)
        message = " ".join(errors(at))
        assert words in message and "kept" in message and "\n" not in message, message
        if words == "not a number":
            assert unescaped(message.split("'")[1]) == ""  # the cell, quoted safely
        parsed = len(calls)
        at.run()
        at.run()  # reruns show the message again without parsing the same bytes again
        assert len(calls) == parsed and words in " ".join(errors(at))
        assert at.session_state[state][0] == digest  # the good upload is still the page's data
    assert len(calls) == len(BAD)


def test_pasted_text_is_capped_and_a_refused_text_is_checked_once(monkeypatch):
    at = open_page("text.py", {"corpus": "Your own text (paste it)"})
    box = at.text_area(key="text_paste")
    assert box.proto.max_chars == MAX_PASTE  # the browser stops at the cap, and the server cuts there too
    good = "The quick brown fox jumps over the lazy dog. " * 10
    box.set_value(good).run()
    assert not errors(at)
    calls = []
    real = core.corpus.check_text
    monkeypatch.setattr(core.corpus, "check_text", lambda text: calls.append(1) or real(text))
    at.text_area(key="text_paste").set_value("x" * 500).run()
    assert_clean(at)
    assert "one character" in " ".join(errors(at)) and "kept" in " ".join(errors(at)) and len(calls) == 1
    at.run()
    at.run()  # reruns show the message without checking the same text again
    assert len(calls) == 1 and "one character" in " ".join(errors(at))
    assert at.session_state["text_pasted"][1] == good
    at.text_area(key="text_paste").set_value("ab " * MAX_PASTE).run()  # a client that ignores max_chars
    assert_clean(at)
    assert not errors(at) and len(at.session_state["text_pasted"][1]) == MAX_PASTE
