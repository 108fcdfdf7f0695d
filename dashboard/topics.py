"""The lecture's map: every topic, the page that teaches it, and the landmarks of its history.

A topic whose page file does not exist yet is listed as "coming"; adding the file under
``pages/`` is all it takes to put it in the navigation and on the home page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Topic:
    page: str  # file under pages/
    title: str
    icon: str  # a Material icon
    line: str  # one line for the home page's card
    section: str

    @property
    def path(self) -> Path:
        return ROOT / "pages" / self.page

    @property
    def built(self) -> bool:
        return self.path.is_file()

    @property
    def url_path(self) -> str:
        return self.page.removesuffix(".py")


LEARNING, GENERATIVE = "Learning from data", "Generative models"
TOPICS = (
    Topic("data_vs_rules.py", "Data versus rules", ":material/rule:",
          "Write an expert's rule with sliders, then watch a model learn a better one from the data.", LEARNING),
    Topic("optimisation.py", "Models and choosing θ", ":material/trending_down:",
          "Fit y = a·x + b: the loss landscape L(a, b) and the optimiser's path across it.", LEARNING),
    Topic("classification.py", "Neural networks: classification", ":material/hub:",
          "A playground MLP learns to separate moons, circles, XOR and spirals, live.", LEARNING),
    Topic("capacity.py", "Capacity and over-fitting", ":material/stacked_line_chart:",
          "Under-fit, right fit, over-fit: train and test error against model capacity.", LEARNING),
    Topic("architectures.py", "Other architectures", ":material/grid_on:",
          "A small CNN against an MLP on handwritten digits, and what a shift does to each.", LEARNING),
    Topic("gaussians.py", "Gaussians and mixtures", ":material/bubble_chart:",
          "Fit N(μ, Σ) by maximum likelihood and a Gaussian mixture by EM, step by step.", GENERATIVE),
    Topic("energy.py", "Densities exp(f_θ)/Z(θ)", ":material/landscape:",
          "Learn an energy, normalise it on a grid, and see why Z(θ) is out of reach for images.", GENERATIVE),
    Topic("gan.py", "GANs", ":material/sports_kabaddi:",
          "Generator against discriminator: the min-max game, its instability and mode collapse.", GENERATIVE),
    Topic("autoencoders.py", "Auto-encoders and VAEs", ":material/compress:",
          "Encode to a latent z, decode back: reconstructions, the latent plane and samples.", GENERATIVE),
    Topic("gan_vs_vae.py", "GAN against VAE", ":material/compare:",
          "Both trained on the same data at once: sharp but unstable against stable but blurry.", GENERATIVE),
    Topic("score.py", "Score models and Langevin", ":material/scatter_plot:",
          "Learn ∇ₓ log p at many noise levels and follow it down with annealed Langevin dynamics.", GENERATIVE),
    Topic("diffusion.py", "Diffusion models", ":material/blur_on:",
          "Dissolve data into noise, then learn a long sequence of small denoisers to come back.", GENERATIVE),
    Topic("flow_matching.py", "Flow matching", ":material/air:",
          "A velocity field whose flow carries noise to data, learned by regression.", GENERATIVE),
    Topic("arena.py", "The arena", ":material/leaderboard:",
          "Every generative family on the same data with the same budget: samples side by side, one leaderboard.",
          GENERATIVE),
    Topic("text.py", "Text generation", ":material/text_fields:",
          "Predict the next character: from bigram counts to a tiny Transformer.", GENERATIVE),
    Topic("beyond.py", "Beyond generation", ":material/troubleshoot:",
          "Generative models find outliers, remove noise and estimate parameters.", GENERATIVE),
)


@dataclass(frozen=True)
class Landmark:
    year: int
    title: str
    detail: str
    page: str | None  # the topic's page file, if any
    when: str | None = None  # the label, if not the year


LANDMARKS = (
    Landmark(1900, "Statistical models", "Gaussians, mixtures, maximum likelihood", "gaussians.py",
             "before 1950"),
    Landmark(1990, "Bayesian sampling (MCMC)", "Metropolis et al. (1953); Gelfand & Smith (1990) bring Gibbs "
             "sampling to Bayesian statistics: draw from a posterior known only up to its normalising constant Z", "energy.py", "1953–1990"),
    Landmark(1999, "PPCA", "Tipping & Bishop: probabilistic PCA, x = Wz + μ + noise with a latent z, "
             "a linear ancestor of the VAE", "autoencoders.py"),
    Landmark(2012, "Neural networks win", "AlexNet: deep nets trained on GPUs", "classification.py"),
    Landmark(2014, "GAN", "Goodfellow et al.: generator against discriminator", "gan.py"),
    Landmark(2015, "VAE", "Kingma & Welling (2013/14), widely used from 2015", "autoencoders.py"),
    Landmark(2017, "Transformers", "Attention is all you need", "text.py"),
    Landmark(2019, "Score-based models", "Song & Ermon: annealed Langevin dynamics", "score.py"),
    Landmark(2020, "Diffusion models", "Ho et al.: DDPM", "diffusion.py"),
    Landmark(2021, "CLIP", "Text and images in one embedding", None),
    Landmark(2022, "DALL-E 2, Stable Diffusion", "Text-to-image diffusion models reach the public", "diffusion.py"),
    Landmark(2022, "ChatGPT", "A generative pre-trained transformer, tuned to follow instructions, reaches the public",
             "text.py"),
    Landmark(2023, "Flow matching", "Lipman et al.: regression onto a velocity field", "flow_matching.py"),
)


def topic_for(page: str) -> Topic | None:
    return next((t for t in TOPICS if t.page == page), None)


@dataclass(frozen=True)
class Family:
    """One generative family: what it models, how it avoids computing Z(θ), how it samples."""

    name: str
    page: str  # the topic's page file
    models: str  # markdown (inline LaTeX allowed)
    avoids_z: str
    samples: str


FAMILIES = (
    Family("Gaussian mixture", "gaussians.py", r"$p_\theta(x) = \sum_k \pi_k\,\mathcal N(x; \mu_k, \Sigma_k)$",
           "Z is known in closed form: each Gaussian is normalised, the weights sum to 1.",
           "Ancestral: draw a component k ~ π, then x ~ N(μ_k, Σ_k)."),
    Family("Energy model", "energy.py", r"$p_\theta(x) = e^{f_\theta(x)}/Z(\theta)$",
           "Here Z is a sum over a grid (2D only). In high dimension it is avoided: contrastive divergence "
           "replaces the expectation under p_θ in ∇L by short MCMC runs.",
           r"Langevin dynamics on $\nabla_x f_\theta$: Z drops out of the gradient."),
    Family("GAN", "gan.py", r"a sampler $G_\theta(z)$, no density",
           "No density, so no Z: a discriminator D_φ replaces the likelihood.",
           r"One network pass: $z \sim p(z)$, $x = G_\theta(z)$."),
    Family("VAE", "autoencoders.py", r"$p_\theta(x) = \int p_\theta(x \mid z)\,p(z)\,dz$",
           "Every factor is normalised, but the integral over z is not computed: training maximises a "
           "lower bound on log p_θ(x), the ELBO.",
           r"One decoder pass: $z \sim \mathcal N(0, I)$, $x \sim p_\theta(x \mid z)$."),
    Family("Score model", "score.py", r"the score $s_\theta(x, \sigma) \approx \nabla_x \log p_\sigma(x)$",
           r"Model ∇ₓ log p instead of p: $\nabla_x \log Z(\theta) = 0$, so Z drops out.",
           "Annealed Langevin dynamics, from a large σ to a small one."),
    Family("Diffusion", "diffusion.py",
           r"the noise $\epsilon_\theta(x_t, t) \approx -\sqrt{1 - \bar\alpha_t}\,\nabla_x \log p_t(x_t)$",
           "ε-prediction is a scaled score: again no Z.",
           "The reverse chain: T denoising steps from pure noise (DDPM, or fewer with DDIM)."),
    Family("Flow matching", "flow_matching.py", r"a velocity field $v_\theta(t, x)$",
           "Regression onto conditional velocities: no density, no Z (the density exists through the flow, "
           "but training never needs it).",
           r"Integrate the ODE $dx/dt = v_\theta(t, x)$ from $x_0 \sim \mathcal N(0, I)$ to $t = 1$."),
    Family("Autoregressive (text)", "text.py", r"$p_\theta(x) = \prod_t p_\theta(x_t \mid x_{<t})$",
           "Each factor is a softmax over the vocabulary: its Z is a sum of |V| terms, cheap.",
           "Token by token: draw x_t from the softmax, append it, repeat."),
)
