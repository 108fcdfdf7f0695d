"""The pages' "Try this" ideas as presets: one click (or one link) sets the controls, with the lesson in one sentence.

Each list holds ``layout.Preset(name, lesson, {widget key: value})``; the values are the widgets' own
values (not their labels). A page shows them with ``layout.presets`` (sidebar buttons), ``layout.preset_note``
(the lesson of the one just chosen, and its link) and ``layout.preset_list`` (the links, in the explanation).
"""

from __future__ import annotations

from core.gan_presets import RECOMMENDED, SHARP, SHARP_DRS
from core.gan_presets import preset as gan_preset
from dashboard.layout import Preset

# GAN page: widget key -> GanConfig field (the preset select writes these)
GAN_FIELDS = {"loss": "loss", "zlaw": "noise", "zdim": "noise_dim", "gl": "g_depth", "gw": "g_width",
              "dl": "d_depth", "dw": "d_width", "dsteps": "d_steps", "lrg": "lr_g", "lrd": "lr_d",
              "batch": "batch_size", "pack": "pack", "gema": "g_ema", "lrdecay": "lr_decay_steps",
              "drs": "drs", "zmix": "latent_modes", "dfour": "d_fourier", "inoise": "instance_noise",
              "infade": "instance_noise_steps"}


def gan_values(name: str, **more) -> dict:
    """The controls the named core preset sets (every field it fixes), plus ``more``."""
    cfg = gan_preset(name)
    return {"preset": name, **{key: getattr(cfg, field) for key, field in GAN_FIELDS.items()}, **more}


GAN = [
    Preset("Mode collapse", "D is much stronger and 20x faster than G: G piles its points on the few "
           "modes D rates highest, and the mode coverage stalls.", gan_values("mode collapse")),
    Preset("Packing off", "With packing 1, D judges one point at a time and cannot see that G covers "
           "some modes twice and others not at all: the modes fill unevenly.",
           gan_values(RECOMMENDED, pack=1)),
    Preset("Saturation", "The original min-max loss with 10 D steps per G step: D rejects G's points, "
           "and G's gradient |∇ₓ L_G| (under the picture) nearly vanishes. Press Step.",
           gan_values("original min-max (saturates)", dsteps=10)),
    Preset("1D noise", "One noise dimension: the manifold is a single curve, so G must draw thin "
           "bridges between the modes.", gan_values(RECOMMENDED, zdim=1)),
    Preset("25 modes", "The 25-Gaussian grid is much harder: in a minute G finds only some of the modes.",
           gan_values(RECOMMENDED, target="grid")),
    Preset("Sharp modes", "Modes of std 0.02, 1 % of the ring's radius: G's samples are drawn by an average "
           "of its weights, the learning rates decay, the noise comes in 50 tight clusters, D reads Fourier features and "
           "sees blurred points for the first 4,000 steps, so the points settle inside the modes (after 3,000 steps "
           "93–95 % of samples lie within 3σ of a mode; after 2,000, 71–85 % against 39 % with the recommended "
           "settings).",
           gan_values(SHARP, target="ring", spread=0.02)),
    Preset("Reject with D", "The sharp 25-mode grid, and each drawn point kept with probability exp(r(x) − r̂), r the "
           "logit of a discriminator of the drawn points: G alone leaves some points between the modes (80–88 % "
           "within 3σ of a mode after 60 CPU s), the kept ones sit on the modes (99 %), at the price of "
           "drawing about 6 points per point kept (bench/bench_gan.py --tables sharp).",
           gan_values(SHARP_DRS, target="grid", spread=0.02)),
]


# Arena page: the budget, its amount and the sampling
ARENA = [
    Preset("Equal time", "Every family trains for the same 40 CPU seconds: cheap steps (EM, the VAE) take many "
           "of them, costly ones (the energy model's grid) few. Who uses its time best?",
           {"budget": "seconds", "secs": 40, "sampling": "standard"}),
    Preset("Equal steps", "Every family takes the same number of steps: read the training-time column, a step "
           "of one family is not a step of another.", {"budget": "steps", "steps": 2000, "sampling": "standard"}),
    Preset("Few sampling steps", "The same training, but the iterative samplers get about 10 network "
           "evaluations per sample: flow matching's straight paths keep most samples on the modes, DDPM loses "
           "some, and annealed Langevin with one step per noise level does not reach the data.",
           {"budget": "seconds", "secs": 20, "sampling": "few"}),
]


# Each lesson below was seen when played: the numbers are those of the CLI run with the preset's settings
# (seed 0; ``python -m core train MODEL ...``), or of the shipped model the page starts from.

def classification_values(**more) -> dict:
    """The classification page's defaults (data, network, training) with ``more`` changed: a preset's
    lesson does not depend on what was chosen before it."""
    base = {"data": "moons", "noise": 0.1, "n": 400, "feat": ["x1", "x2"], "layers": 2, "h1": 8, "h2": 8,
            "act": "tanh", "opt": "adam", "lr": 0.03, "l2": 0.0, "batch": 32, "seed": 0}
    values = {**base, **more}
    return {k: v for k, v in values.items() if not (k[0] == "h" and int(k[1:]) > values["layers"])}  # drawn units only


CLASSIFICATION = [
    Preset("Circles, squared features", "Without a hidden layer the network draws a straight line, which cannot "
           "split two circles (about 67 % test accuracy with x₁, x₂ alone); add x₁² and x₂² and the same network "
           "draws a circle: 99 %.", classification_values(data="circles", layers=0, feat=["x1", "x2", "x1^2", "x2^2"])),
    Preset("Deep spiral", "Two tanh layers of 8 units struggle with the spiral; four ReLU layers of 16 wind the "
           "boundary around its arms (after 6,000 steps: 91 % train, 83 % test, against 86 % and 77 %).",
           classification_values(data="spiral", layers=4, h1=16, h2=16, h3=16, h4=16, act="relu", lr=0.01)),
    Preset("Learning rate 10", "Plain SGD with a step of 10 overshoots every time: the loss jumps between 0 and "
           "30 instead of falling, and the boundary flips from step to step.",
           classification_values(opt="sgd", lr=10.0)),
    Preset("Few noisy points", "50 points with much noise: train accuracy reaches 100 % while test accuracy "
           "stays near 64 %: the boundary wraps around single noisy points.",
           classification_values(n=50, noise=0.5)),
    Preset("Few noisy points, L2 decay", "The same 50 points with weight decay λ = 0.1: the boundary stays smooth, "
           "train accuracy falls to 80 % and test accuracy rises to 80 %.",
           classification_values(n=50, noise=0.5, l2=0.1)),
]

CAPACITY = [
    Preset("More data", "Regression, n = 150 (press Play; the dotted curve is the earlier run): the over-fit arm "
           "of the U drops, the test error at degree 20 is 0.11 instead of 0.48 with n = 30.",
           {"model": "poly", "n": 150, "noise": 0.3, "seed": 0}),
    Preset("No noise", "Regression, σ = 0: nothing to over-fit, the test error keeps falling with the degree.",
           {"model": "poly", "n": 30, "noise": 0.0, "seed": 0}),
    Preset("Double descent", "Regression, n = 15: at degree 14 = n − 1 the polynomial passes through every point "
           "and the test error explodes (3·10⁸, against 0.10 at the best degree); past it, the error falls again.",
           {"model": "poly", "n": 15, "noise": 0.3, "seed": 0}),
    Preset("Untamed", "Classification tab, no early stopping and λ = 0: the tamed MLP becomes the over-fit one "
           "(100 % train, 69 % test, the same as the untamed).", {"cdata": "xor", "cn": 50, "cnoise": 0.3, "cw": 64, "es": False, "l2": 0.0, "cseed": 0}),
    Preset("400 training points", "Classification tab: with eight times the data the untamed MLP learns less by "
           "heart: 95 % train and 76 % test, against 100 % and 69 % with 50 points.",
           {"cdata": "xor", "cn": 400, "cnoise": 0.3, "cw": 64, "es": True, "l2": 0.03, "cseed": 0}),
]

LINE = {"n": 30, "noise": 0.5, "outlier": False, "loss": "mse", "a0": -1.5, "b0": 3.0, "seed": 0}  # the line's data

OPTIMISATION = [
    Preset("Zigzag", "Gradient descent with η = 0.25 zigzags across the valley: the slope a changes direction at "
           "almost every step (never at η = 0.1), yet it still settles.", {**LINE, "opt": "gd", "lr": 0.25}),
    Preset("Divergence", "η = 1 overshoots the valley further at every step: the loss becomes infinite after 24 "
           "steps and the run stops as diverged.", {**LINE, "opt": "gd", "lr": 1.0}),
    Preset("SGD, batch 1", "One point per step: SGD wanders around the minimum instead of settling (the full loss "
           "keeps jumping between 0.22 and 0.5); a batch of 30 settles.", {**LINE, "opt": "sgd", "batch": 1, "lr": 0.1}),
    Preset("Momentum", "Momentum rolls down the long valley: after 10 steps it is as close to the best line as "
           "gradient descent at the same η = 0.03 after 80; then it overshoots (a reaches 2.6, the best is 1.5) and comes back.",
           {**LINE, "opt": "momentum", "batch": 30, "lr": 0.03}),
    Preset("Outlier", "With the squared error one outlier tilts the best line (slope 1.2 instead of 1.5); switch "
           "the loss to the absolute error and it hardly moves (1.50).",
           {**LINE, "outlier": True, "opt": "gd", "lr": 0.1}),
]

GAUSSIANS = [
    Preset("Ring, random start", "Mixture by EM, K = 8 from random means: EM ends in a local maximum (two components "
           "share a mode, one spans two; log-likelihood −2.52 per point against −2.43 from k-means++).",
           {"data": "ring", "n": 500, "spread": 0.3, "k": 8, "init": "random", "cov": "full", "floor": 0.000001, "seed": 0}),
    Preset("Spike amplitudes", "Three neurons on one electrode: EM with K = 3 finds means 45, 69 and 110 µV (the "
           "true 45, 70, 110); the Choosing K tab says whether the data support more.",
           {"data": "voltage", "n": 500, "k": 3, "init": "kmeans++", "seed": 0}),
    Preset("Spherical moons", "Choosing K tab: round components fit the curved moons badly: the BIC still falls at "
           "K = 10, where full covariance is best at K = 4 (and better).",
           {"data": "moons", "n": 500, "spread": 0.3, "cov": "spherical", "init": "kmeans++", "seed": 0}),
    Preset("Floor ε = 1", "No component may shrink below a variance of 1, so the 8 modes of the ring blur into one "
           "wide ring (log-likelihood −3.41 per point against −2.43).",
           {"data": "ring", "n": 500, "spread": 0.3, "k": 8, "init": "kmeans++", "cov": "full", "floor": 1.0, "seed": 0}),
]

VAE_DIGITS = {"data": "digits", "vae_k": 2, "dec": "bernoulli", "vae_w": 128, "vae_lr": 0.003, "seed": 0}

AUTOENCODERS = [
    Preset("Code of size 1", "Auto-encoder tab: with k = 1 every digit becomes one of a few blurry shapes; the "
           "error falls with the size of the code (test MSE 0.047 at k = 1, 0.003 at k = 32).",
           {"data": "digits", "ae_k": 1, "ae_w": 128, "ae_lr": 0.003, "seed": 0}),
    Preset("β = 0", "VAE from scratch with the KL ignored: the codes spread far beyond N(0, I) (KL 27 nats against 3 "
           "at β = 1 after 2,000 steps) and fewer prior samples look like digits (7 classes against 9). "
           "Press Reset if it had trained already.",
           {**VAE_DIGITS, "beta": 0.0, "start": "scratch"}),
    Preset("Posterior collapse (β = 4)", "VAE from scratch with β = 4: the KL wins at once, q(z|x) = N(0, I) for "
           "every x, all inputs decode to the same blurry digit and no sample is recognised (KL 0.000 nats). "
           "Press Reset if it had trained already.",
           {**VAE_DIGITS, "beta": 4.0, "start": "scratch"}),
    Preset("Diverse digits (latent 8, β = 0.3)", "VAE with 8 latent numbers and β = 0.3, so that it uses them: its "
           "samples cover far more kinds of test digit than the 2D latent's (the recall; the table on the page "
           "says why a larger latent alone is not enough), and there is no map: the plane shows 2 of 8 axes.",
           {**VAE_DIGITS, "vae_k": 8, "beta": 0.3, "start": "scratch"}),
    Preset("2D ring", "VAE on 8 Gaussians: it finds all 8 modes but smears samples between them (after 3,000 steps "
           "only half lie near a mode): blurry.", {"data": "points", "target": "ring", "beta": 1.0}),
]

GRU = {"corpus": "persuasion", "model": "gru", "ctx": 32, "width": 64, "depth": 1, "start": "trained"}  # as shipped

TEXT = [
    Preset("Bigram counts", "Counting pairs of letters: the samples have English-looking pairs but no words, and "
           "its loss is the dashed line every other model must beat.", {"model": "bigram"}),
    Preset("Temperature 0", "Always the most likely next letter: the trained GRU repeats one path in a loop "
           "(“and the say and the say …”).", {**GRU, "temp": 0.0, "topk": 0}),
    Preset("Temperature 2", "Flattened probabilities: nearly random letters, capitals and punctuation.",
           {**GRU, "temp": 2.0, "topk": 0}),
    Preset("Captain Wentwort…", "The trained GRU is sure of the next letter: “h” with a probability near 0.9 "
           "(the bars); after “Anne ” it hesitates between many.",
           {**GRU, "temp": 0.8, "prompt": "Captain Wentwort"}),
]

DDPM = {"target": "ring", "T": 200, "sched": "cosine", "fourier": 4, "start": "trained"}  # as shipped

DIFFUSION = [
    Preset("5 DDPM steps", "The trained model sampled with only 5 stochastic steps: the cloud is blurred, 29 % of "
           "samples near a mode (99 % with 100 steps).",
           {**DDPM, "sampler": "ddpm", "ssteps": 5}),
    Preset("5 DDIM steps", "The same 5 steps, deterministic: DDIM copes better with few steps (38 % near a mode), "
           "while DDPM is better with 100 (the curve at the bottom).",
           {**DDPM, "sampler": "ddim", "ssteps": 5}),
    Preset("Linear schedule", "The linear β schedule destroys the signal early: ᾱ at T/2 is 0.07, against 0.49 for "
           "the cosine one (the forward panels).", {"target": "ring", "sched": "linear", "T": 200, "t": 50}),
    Preset("T = 10", "Ten diffusion steps: each must remove much noise at once; after 3,000 training steps 79 % of "
           "samples lie near a mode, against 99 % with T = 200.", {"target": "ring", "T": 10, "sched": "cosine", "ssteps": 100}),
]

FLOW = {"target": "ring", "ot": False, "start": "trained"}  # as shipped

FLOW_MATCHING = [
    Preset("One Euler step", "One network evaluation: every sample moves once along the field at t = 0, which "
           "points to the data's mean: no mode is captured.", {**FLOW, "solver": "euler", "nfe": 1}),
    Preset("Four Euler steps", "Four evaluations already land on all 8 modes (41 % of samples near one; 97 % with "
           "100).", {**FLOW, "solver": "euler", "nfe": 4}),
    Preset("RK4 at 4 evaluations", "RK4 spends its 4 evaluations on a single step, which overshoots past the ring: 5 % "
           "of samples near a mode, against 41 % for 4 Euler steps.", {**FLOW, "solver": "rk4", "nfe": 4}),
    Preset("The field at t = 0", "At t = 0 the velocity is E[x₁] − x: every arrow points to the data's mean. "
           "Slide t towards 0.95: the field grows sharp around each mode.", {"target": "ring", "t": 0.0}),
]

RULES = {"r1f": "petal length", "r1t": 2.5, "r1lo": "setosa", "r1hi": "versicolor", "r2": False,
         "fx": "petal length", "fy": "petal width", "model": "mlp", "hidden": 8, "lr": 0.03, "train": 60, "seed": 0}
SECOND_RULE = {"r2": True, "r2side": "above", "r2f": "petal width", "r2t": 1.75, "r2lo": "versicolor",
               "r2hi": "virginica"}

DATA_VS_RULES = [
    Preset("The best single rule", "The best one-threshold rule (petal length < 2.45 cm: setosa, else versicolor) "
           "names only two species, 67 % of the flowers; press Play: the model passes it within a second and "
           "soon gets all 60 test flowers right.", {**RULES, "r1t": 2.45}),
    Preset("A second rule", "Petal width < 1.75 cm for the flowers above the first threshold: your two rules get "
           "96 % of the 150 flowers right, close to the model; their confusion matrix shows the 6 they miss "
           "(5 virginica with narrow petals, 1 versicolor with wide ones).", {**RULES, "r1t": 2.45, **SECOND_RULE}),
    Preset("Sepal axes", "On the sepal measurements versicolor and virginica overlap: the model gets only 73 % of "
           "the test flowers right (100 % on the petal axes), barely more than the best one-threshold rule (67 %).",
           {**RULES, "fx": "sepal length", "fy": "sepal width"}),
    Preset("Logistic regression", "A logistic regression draws straight boundaries between the species: on the "
           "petal axes that is enough, it too gets all 60 test flowers right.", {**RULES, "model": "logistic"}),
]

CNN = {"ch": 8, "hid": 64, "lr": 0.01, "batch": 64, "seed": 0, "start": "trained", "shift": False}  # as shipped

ARCHITECTURES = [
    Preset("Shifted digits", "Every test digit moved one pixel right: the trained CNN falls from 98 % to 67 % "
           "correct, the MLP from 97 % to 46 %: the CNN's filters find a stroke wherever it is.",
           {**CNN, "shift": True}),
    Preset("2 filters", "A CNN with 2 filters has 266 parameters, fewer than the MLP's first layer alone (4,160): "
           "from scratch, after 4,000 steps it recognises 87 % of the test digits, the MLP 96 %.",
           {**CNN, "ch": 2, "start": "scratch"}),
    Preset("Learning rate 1", "Steps far too large: press Play and within 300 steps both trained models break "
           "down to chance, 10 % of the test digits.", {**CNN, "lr": 1.0}),
]

ENERGY_MODEL = {"target": "ring", "spread": 0.1, "layers": 2, "hidden": 32, "grid": 64, "lr": 0.01, "seed": 0,
                "particles": 500, "eta": 0.002}

ENERGY = [
    Preset("Grid 32", "Each of the 32 × 32 cells is twice as wide as a mode's standard deviation: p_θ looks "
           "blocky and, after 1,000 steps, log Z(θ) is off by 0.14 (against a grid twice as fine), so the likelihood looks better "
           "than it is.", {**ENERGY_MODEL, "grid": 32}),
    Preset("Grid 128", "Sharp, but each step costs about four times as much as with 64 × 64 cells (measured here: 62 "
           "steps per second against 233).", {**ENERGY_MODEL, "grid": 128}),
    Preset("Learning rate 0.3", "The −log-likelihood jumps about between 0.6 and 1.0 and p_θ flickers: after 1,000 "
           "steps 0.73 nats per point, against 0.42 at 0.01 (and a smooth but slow 1.68 at 0.001).",
           {**ENERGY_MODEL, "lr": 0.3}),
    Preset("Langevin step η = 0.02", "Train f_θ, then let the sampler run: steps this large overshoot the sharp "
           "modes and the particles scatter (energy distance 1.5 after 300 steps, and growing; 0.00 at η = 0.002).",
           {**ENERGY_MODEL, "eta": 0.02}),
]

SCORE_MODEL = {"target": "ring", "spread": 0.05, "L": 10, "smax": 3.0, "smin": 0.01, "eps": 5e-05, "T": 30, "denoise": True,
               "start": "trained"}  # as shipped

SCORE = [
    Preset("Step size ε = 10⁻⁶", "Langevin steps 50 times too small: the particles barely leave the noise they "
           "start from (0 of 8 modes, 2 % of samples near one; 99 % at ε = 5·10⁻⁵).", {**SCORE_MODEL, "eps": 1e-06}),
    Preset("Step size ε = 10⁻³", "Steps 20 times too large: the samples scatter around the modes (energy distance "
           "0.91 against 0.00), though 96 % still lie near one.", {**SCORE_MODEL, "eps": 0.001}),
    Preset("One noise level", "L = 1 at σ = 0.5: each step is then α = ε, and 30 of them leave the particles in the "
           "start cloud at the ring's centre (0 of 8 modes, even after 4,000 training steps); with L = 10 the first "
           "level's steps are (σ₁/σ_L)² = 90,000 times larger.",
           {**SCORE_MODEL, "L": 1, "smax": 0.5, "start": "scratch"}),
]

# Beyond generation: each preset also chooses its demonstration (key "demo")
OUTLIER = {"demo": "outlier", "o_data": "moons", "o_flag": 5, "o_n": 400, "o_share": 5, "o_spread": 0.1, "o_k": 6,
           "seed": 0}

BEYOND = [
    Preset("One Gaussian (K = 1)", "Outlier detection: one Gaussian cannot follow the moons, so some inliers look "
           "as unlikely as the outliers: the area under the ROC curve falls to 0.76, against 0.86 with K = 6 "
           "(and 0.95 with K = 12).", {**OUTLIER, "o_k": 1}),
    Preset("Flag 20 %", "Outlier detection with 5 % outliers: flagging 20 % instead of 5 % finds more of them (81 % "
           "instead of 62 %) but flags more inliers too (17 % instead of 2 %): the point moves up and right along "
           "the ROC curve.", {**OUTLIER, "o_flag": 20}),
    Preset("One code per digit", "Restoring with the VAE from a single starting code per digit: the search can "
           "stall in a poorer optimum, and the missing pixels' error is 0.056, against 0.050 with 8 or 16 codes "
           "(0.102 for the average digit).",
           {"demo": "restore", "r_kind": "block", "r_level": 0.5, "r_restarts": 1, "seed": 0}),
    Preset("A larger town", "ABC with N = 10,000 people: the outbreak is less random and the kept cloud tighter: "
           "after 500 rounds r = β − γ is pinned to ±0.010 instead of ±0.029 (N = 1,000), β and γ to ±0.04 "
           "instead of ±0.07.", {"demo": "abc", "a_beta": 0.4, "a_gamma": 0.15, "a_n": 10_000, "a_keep": 100,
                                  "seed": 0}),
]

GVV = {"data": "points", "target": "ring", "spread": 0.05, "gpreset": RECOMMENDED, "seed": 0, "latent": 2, "beta": 1.0}

GAN_VS_VAE = [
    Preset("GAN mode collapse", "With the GAN preset “mode collapse” the GAN piles its points on 3 of the 8 modes "
           "and stays there (after 500 and 1,500 steps), while the VAE, the same as before, reaches all 8 "
           "(after 3,000 steps).", {**GVV, "gpreset": "mode collapse"}),
    Preset("25-Gaussian grid", "Hard for both: after 1,500 steps neither has captured one of the 25 modes; the "
           "VAE's blur at least covers the square (energy distance 0.33), the GAN's points lie further off (2.4).",
           {**GVV, "target": "grid"}),
    Preset("VAE β = 4", "On the ring the KL term now outweighs the reconstruction: after 3,000 steps the VAE's "
           "samples are as spread as noise (energy distance 1.10, 0 of 8 modes), against all 8 modes and 0.08 "
           "at β = 1.", {**GVV, "beta": 4.0}),
]
