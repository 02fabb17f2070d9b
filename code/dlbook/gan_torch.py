"""GANs of multilayer perceptrons in PyTorch: two mixtures of Gaussians and digits
(chapter 06).

The mixtures are the two standard mode-collapse benchmarks (``BENCHMARKS``): 8 Gaussians
on a ring and 25 on a 5 x 5 grid. One training loop serves every variant in the
chapter's ablation. The ingredients, each switched by a field of ``GANConfig``:

- the objective: the GAN of Goodfellow et al. (2014) with the non-saturating generator
  loss, or the Wasserstein GAN with gradient penalty (WGAN-GP, Gulrajani et al. 2017);
- packing (PacGAN, Lin et al. 2018): the discriminator judges ``pack`` samples at once,
  concatenated, so a generator that repeats itself is easy to spot;
- a learning rate that decays linearly to 2% of its start over the run;
- the latent distribution: ``"gaussian"`` z ~ N(0, I), or ``"mixture"``, a one-hot code
  for one of ``n_components`` equally likely components beside small Gaussian noise.
  A continuous G maps a connected latent space onto a connected set, so with Gaussian
  z it must leave a trail of samples between separated modes; a discrete code lets it
  jump (chapter 06 explains the argument and shows the trails).

The metrics follow VEEGAN (Srivastava et al. 2017) and PacGAN: a sample is high quality
if it lies within 3 standard deviations of its nearest centre; a mode is captured if it
is the nearest centre of at least one high-quality sample.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ._checks import check_array, check_choice, check_float, check_fraction, check_int
from .data import grid_centres, ring_centres
from .gan import GENERATOR_LOSSES
from .training import update
from .utils import seeded, torch_generator

LATENTS = ("gaussian", "mixture")
OBJECTIVES = ("gan", "wgan-gp")
RING_STD = 0.01
# name -> (centres, standard deviation of every component); equal weights
BENCHMARKS = {"ring": (ring_centres(), RING_STD), "grid": (grid_centres(), 0.05)}


# ------------------------------------------------------------------------ metrics
def ring_metrics(samples, centres=None, std: float = RING_STD) -> dict:
    """Modes captured and the fraction of high-quality samples, plus two diagnostics.

    ``counts[k]`` is the number of high-quality samples nearest centre k (mode balance);
    ``spread`` is the root-mean-square per-axis distance of high-quality samples from
    their centre: 0.974 ``std`` for samples drawn from the data (the cut at 3 std trims
    their tails). A too-narrow generator has a smaller spread and scores a higher
    high-quality fraction than the data itself.
    """
    samples = check_array("samples", samples, ndim=2)
    if samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"samples must have shape (n, 2) with n > 0, "
                         f"got {samples.shape}")
    if centres is None:
        centres = ring_centres()
    centres = check_array("centres", centres, ndim=2)
    std = check_float("std", std, minimum=0.0, strict=True)
    distance = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)
    nearest, d_min = distance.argmin(axis=1), distance.min(axis=1)
    good = d_min < 3 * std
    counts = np.bincount(nearest[good], minlength=len(centres))
    spread = np.sqrt(np.mean(d_min[good] ** 2) / 2) if good.any() else np.nan
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.mean()),
            "counts": counts.tolist(), "spread": float(spread)}


def mode_metrics(samples, benchmark: str = "ring") -> dict:
    """``ring_metrics`` with the centres and standard deviation of a named benchmark."""
    centres, std = BENCHMARKS[check_choice("benchmark", benchmark, BENCHMARKS)]
    return ring_metrics(samples, centres, std)


# ------------------------------------------------------------------------- models
def relu_mlp(sizes) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them."""
    layers = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@dataclass
class GANConfig:
    """A GAN recipe. The defaults are the chapter's recipe, the same for both
    benchmarks."""
    steps: int = 6000
    batch_size: int = 256
    lr_g: float = 5e-4
    lr_d: float = 5e-4
    beta2: float = 0.999           # Adam's second-moment decay (beta1 is 0.5)
    d_steps: int = 1               # discriminator updates per generator update
    pack: int = 2                  # 1 = an ordinary discriminator
    decay: bool = True             # linear learning-rate decay to 2%
    latent: str = "mixture"
    noise_dim: int = 2
    n_components: int = 128        # mixture latent only
    noise_std: float = 0.1         # mixture latent only: the Gaussian part's scale
    hidden: int = 192
    depth: int = 2                 # hidden layers in each player
    standardise: bool = True       # mixtures: players work in units of the data's std
    generator_loss: str = "non-saturating"     # objective "gan" only
    objective: str = "gan"
    gp_weight: float = 0.1         # objective "wgan-gp" only: the penalty's lambda

    def __post_init__(self):
        for name in ("steps", "batch_size", "d_steps", "pack", "noise_dim",
                     "n_components", "hidden", "depth"):
            check_int(name, getattr(self, name), minimum=1)
        for name in ("lr_g", "lr_d", "noise_std", "gp_weight"):
            check_float(name, getattr(self, name), minimum=0.0, strict=True)
        check_fraction("beta2", self.beta2)
        check_choice("latent", self.latent, LATENTS)
        check_choice("generator_loss", self.generator_loss, GENERATOR_LOSSES)
        check_choice("objective", self.objective, OBJECTIVES)

    @property
    def latent_dim(self) -> int:
        return self.noise_dim + (self.n_components if self.latent == "mixture" else 0)


class LatentSampler:
    """Draws z for the generator: Gaussian, or a one-hot component code beside noise.

    The numbers come from a CPU ``generator`` and are moved to ``device``, so a seed
    gives the same latents on every device."""

    def __init__(self, config: GANConfig, generator: torch.Generator,
                 device: str | torch.device = "cpu"):
        self.config, self.generator = config, generator
        self.device = torch.device(device)

    def __call__(self, n: int) -> torch.Tensor:
        c, rng = self.config, self.generator
        if c.latent == "gaussian":
            return torch.randn(n, c.noise_dim, generator=rng).to(self.device)
        component = torch.randint(0, c.n_components, (n,), generator=rng)
        noise = c.noise_std * torch.randn(n, c.noise_dim, generator=rng)
        code = nn.functional.one_hot(component, c.n_components).float()
        return torch.cat([code, noise], 1).to(self.device)


@dataclass
class GANRun:
    """A trained GAN: the generator, its latent sampler, the discriminator and a
    history."""
    generator: nn.Module
    sample_latent: LatentSampler
    discriminator: nn.Module | None                 # None for a loaded generator
    config: GANConfig
    losses: np.ndarray                              # (steps, 2): L_D and L_G
    snapshots: list = field(default_factory=list)   # (step, samples) pairs

    @torch.no_grad()
    def sample(self, n: int) -> np.ndarray:
        z = self.sample_latent(check_int("n", n, minimum=1))
        return self.generator(z).cpu().numpy()


def quality_history(run: GANRun, benchmark: str = "ring") -> dict:
    """The run's losses beside its sample quality, at every snapshot after the first.

    For each snapshot step t: the mean of L_D and of L_G over the steps since the last
    snapshot, and ``mode_metrics`` of the snapshot's samples (a fixed latent batch). A
    run trained with ``snapshot_every`` > 0 and ``n_snapshot`` = 2500 scores like the
    benchmark. Lists, ready for JSON."""
    if len(run.snapshots) < 2:
        raise ValueError("the run has fewer than 2 snapshots; train it with "
                         "snapshot_every > 0")
    history = {"step": [], "loss_d": [], "loss_g": [], "modes": [], "high_quality": []}
    for (start, _), (step, samples) in zip(run.snapshots[:-1], run.snapshots[1:]):
        m = mode_metrics(samples, benchmark)
        loss_d, loss_g = run.losses[start:step].mean(axis=0)
        for key, value in [("step", step), ("loss_d", round(float(loss_d), 4)),
                           ("loss_g", round(float(loss_g), 4)), ("modes", m["modes"]),
                           ("high_quality", round(m["high_quality"], 4))]:
            history[key].append(value)
    return history


def ring_sampler(generator: torch.Generator, std: float = RING_STD,
                 device: str | torch.device = "cpu"):
    """Real data: fresh draws from the 8-Gaussian ring at every call (an endless
    dataset), made with the CPU ``generator`` and moved to ``device``."""
    return mixture_sampler(ring_centres(), std, generator, device)


def mixture_sampler(centres, std: float, generator: torch.Generator,
                    device: str | torch.device = "cpu"):
    """Real data: fresh draws from an equal mixture of Gaussians with these ``centres``
    and standard deviation ``std``, made with the CPU ``generator``, moved to
    ``device``."""
    centres = torch.tensor(check_array("centres", centres, ndim=2), dtype=torch.float32)
    std = check_float("std", std, minimum=0.0, strict=True)

    def sample(n: int) -> torch.Tensor:
        k = torch.randint(0, len(centres), (n,), generator=generator)
        return (centres[k] + std * torch.randn(n, 2, generator=generator)).to(device)
    return sample


def dataset_sampler(X, generator: torch.Generator, device: str | torch.device = "cpu"):
    """Real data: minibatches drawn with replacement from a fixed array ``X``, kept on
    ``device``; the row numbers come from the CPU ``generator``."""
    X = torch.as_tensor(check_array("X", X, ndim=2), dtype=torch.float32, device=device)

    def sample(n: int) -> torch.Tensor:
        return X[torch.randint(0, len(X), (n,), generator=generator).to(X.device)]
    return sample


class Rescale(nn.Module):
    """Multiplies its input by a fixed number (a buffer, so it is saved with the
    model)."""

    def __init__(self, factor: float):
        super().__init__()
        self.register_buffer("factor", torch.tensor(float(factor)))

    def forward(self, x):
        return x * self.factor


class Shift(nn.Module):
    """Adds a fixed vector to its input (a buffer, so it is saved with the model)."""

    def __init__(self, offset):
        super().__init__()
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32))

    def forward(self, x):
        return x + self.offset


def mixture_scale(centres, std: float) -> float:
    """The standard deviation of one coordinate of the equal mixture, pooled over the
    coordinates: sqrt(mean squared distance of the centres from their mean / dim +
    std^2). 0.707 for the ring, 2.83 for the grid."""
    centres = check_array("centres", centres, ndim=2)
    squared = ((centres - centres.mean(axis=0)) ** 2).sum(axis=1)
    spread = squared.mean() / centres.shape[1]
    return float(np.sqrt(spread + std ** 2))


def data_scale(X) -> tuple[np.ndarray, float]:
    """The mean of the rows of ``X`` and their standard deviation pooled over the
    coordinates, as ``mixture_scale`` measures a benchmark mixture: what the players
    standardise a reader's own data with."""
    X = check_array("X", X, ndim=2)
    mean = X.mean(axis=0)
    return mean, float(np.sqrt(((X - mean) ** 2).sum(axis=1).mean() / X.shape[1]))


def build_players(config: GANConfig, dim: int = 2, scale: float = 1.0,
                  mean=None):
    """The generator (latent -> data) and the discriminator (``pack`` data points ->
    one logit), both ``depth`` hidden ReLU layers wide ``hidden``.

    With ``scale`` != 1 both players work in standardised units: G's last layer is
    multiplied by ``scale`` and D's input divided by it, so that a mixture spread over
    +-4 (the grid) looks to the networks like one spread over +-1.4: training does not
    depend on the data's units. With ``mean``, G's samples are also shifted by it and
    D's inputs shifted back, for data not centred on the origin."""
    c = config
    G = relu_mlp([c.latent_dim] + [c.hidden] * c.depth + [dim])
    D = relu_mlp([dim * c.pack] + [c.hidden] * c.depth + [1])
    if scale != 1.0:
        G, D = nn.Sequential(G, Rescale(scale)), nn.Sequential(Rescale(1 / scale), D)
    if mean is not None:
        packed = np.tile(np.asarray(mean, dtype=np.float32), c.pack)   # D reads packs
        G, D = nn.Sequential(G, Shift(mean)), nn.Sequential(Shift(-packed), D)
    return G, D


def discriminator_loss(D, real: torch.Tensor, fake: torch.Tensor, pack: int = 1):
    """L_D = -mean log D(x) - mean log(1 - D(G(z))) (eq-loss-d), as two binary
    cross-entropies on the logits: real batches labelled 1, fake ones 0. The
    discriminator judges ``pack`` consecutive samples at once."""
    s_real = D(real.reshape(-1, real.shape[1] * pack))
    s_fake = D(fake.reshape(-1, fake.shape[1] * pack))
    bce = nn.functional.binary_cross_entropy_with_logits
    return bce(s_real, torch.ones_like(s_real)) + bce(s_fake, torch.zeros_like(s_fake))


def generator_loss(D, fake: torch.Tensor, pack: int = 1,
                   kind: str = "non-saturating") -> torch.Tensor:
    """L_G on the discriminator's logits for a fake batch: -mean log D(G(z))
    (non-saturating, eq-loss-g-ns) or mean log(1 - D(G(z))) (saturating,
    eq-loss-g-sat)."""
    s_fake = D(fake.reshape(-1, fake.shape[1] * pack))
    bce = nn.functional.binary_cross_entropy_with_logits
    if kind == "non-saturating":
        return bce(s_fake, torch.ones_like(s_fake))                # -log D(G(z))
    return -bce(s_fake, torch.zeros_like(s_fake))                  # log(1 - D(G(z)))


def critic_loss(D, real: torch.Tensor, fake: torch.Tensor, pack: int = 1,
                gp_weight: float = 0.1, generator: torch.Generator | None = None):
    """WGAN-GP's critic loss (eq-wgan-gp): mean D(G(z)) - mean D(x) + lambda times the
    mean of (||grad D(x_hat)|| - 1)^2 at points x_hat on random segments between real
    and fake inputs. The penalty keeps D close to 1-Lipschitz, so that the first two
    terms estimate the Wasserstein distance. The mixing weights come from
    ``generator``."""
    real = real.reshape(-1, real.shape[1] * pack)
    fake = fake.reshape(-1, fake.shape[1] * pack)
    t = torch.rand(len(real), 1, generator=generator).to(real.device)
    x_hat = (t * real + (1 - t) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
    return D(fake).mean() - D(real).mean() + gp_weight * penalty


def gan_step(G, D, opt_g, opt_d, sample_real, sample_latent, c: GANConfig,
             generator: torch.Generator | None = None):
    """One step of the game: ``d_steps`` updates of D on a real and a fake batch, then
    one update of G through the updated D. Returns (L_D, L_G) as floats. With the
    WGAN-GP objective D is the critic and G's loss is -mean D(G(z)); ``generator``
    draws the penalty's mixing weights."""
    n = c.batch_size * c.pack
    for _ in range(c.d_steps):
        real = sample_real(n)
        with torch.no_grad():                    # D's step leaves G alone
            fake = G(sample_latent(n))
        if c.objective == "wgan-gp":
            loss = critic_loss(D, real, fake, c.pack, c.gp_weight, generator)
        else:
            loss = discriminator_loss(D, real, fake, c.pack)
        loss_d = update(opt_d, loss)
    fake = G(sample_latent(n))                   # a fresh batch, with gradients into G
    if c.objective == "wgan-gp":
        loss = -D(fake.reshape(-1, fake.shape[1] * c.pack)).mean()
    else:
        loss = generator_loss(D, fake, c.pack, c.generator_loss)
    return loss_d, update(opt_g, loss)


def train_gan(config: GANConfig | None = None, *, data=None, seed: int = 0,
              snapshot_every: int = 0, n_snapshot: int = 1000,
              device: str | torch.device = "cpu", progress: bool = False) -> GANRun:
    """Train a GAN on a benchmark mixture (``data`` ``"ring"``, the default, or
    ``"grid"``) or on the rows of an array ``data``, with one recipe for both: the
    players work in units of the data's standard deviation (``config.standardise``),
    of the mixture for a benchmark (``mixture_scale``), and of the rows, centred on
    their mean, for an array (``data_scale``).

    Each step is ``gan_step``; both players use Adam with beta1 = 0.5 (Radford et al.
    2016). With ``snapshot_every`` > 0 the run keeps ``n_snapshot`` generated samples
    every that many steps (for animations), drawn from a fixed latent batch. ``device``
    places the players and the data (``"cuda"`` for the GPU cell). The players'
    initial weights and every random number come from ``seed`` (drawn on the CPU), so
    a seed gives the same run's inputs on every device; torch's global generator is
    left as it was.
    """
    config = GANConfig() if config is None else config
    if not isinstance(config, GANConfig):
        raise TypeError(f"config must be a GANConfig, got {type(config).__name__}")
    snapshot_every = check_int("snapshot_every", snapshot_every, minimum=0)
    device = torch.device(device)
    rng = torch_generator(seed)
    scale, mean = 1.0, None
    if data is None or isinstance(data, str):
        centres, std = BENCHMARKS[check_choice("data", data or "ring", BENCHMARKS)]
        sample_real, dim = mixture_sampler(centres, std, rng, device), 2
        scale = mixture_scale(centres, std) if config.standardise else 1.0
    else:
        data = check_array("data", data, ndim=2)
        if len(data) < 2 or not np.isfinite(data).all():
            raise ValueError("data must be at least two rows of finite numbers")
        sample_real, dim = dataset_sampler(data, rng, device), data.shape[1]
        if config.standardise:
            mean, scale = data_scale(data)
    c = config
    with seeded(seed):
        G, D = build_players(c, dim, scale, mean)
    G, D = G.to(device), D.to(device)
    sample_latent = LatentSampler(c, rng, device)
    opt_g = torch.optim.Adam(G.parameters(), lr=c.lr_g, betas=(0.5, c.beta2))
    opt_d = torch.optim.Adam(D.parameters(), lr=c.lr_d, betas=(0.5, c.beta2))
    schedules = [torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: max(0.02, 1.0 - k / c.steps) if c.decay else 1.0)
        for opt in (opt_g, opt_d)]
    fixed_z = sample_latent(n_snapshot) if snapshot_every else None
    losses, snapshots = np.zeros((c.steps, 2)), []
    for step in trange(c.steps, desc="steps", disable=not progress):
        if fixed_z is not None and step % snapshot_every == 0:
            with torch.no_grad():
                snapshots.append((step, G(fixed_z).cpu().numpy()))
        losses[step] = gan_step(G, D, opt_g, opt_d, sample_real, sample_latent, c, rng)
        for schedule in schedules:
            schedule.step()
    if fixed_z is not None:
        with torch.no_grad():
            snapshots.append((c.steps, G(fixed_z).cpu().numpy()))
    return GANRun(G, sample_latent, D, c, losses, snapshots)


# The comparison of chapter 06, on both benchmarks with 5 seeds: the recipe (the
# defaults of GANConfig) and WGAN-GP with Gulrajani et al.'s settings for 2-D toy data
# (critic steps 5, lambda 0.1, Adam 1e-4 with betas 0.5 and 0.9), given as many steps
# as take about the recipe's time.
WGAN_GP = GANConfig(objective="wgan-gp", latent="gaussian", pack=1, decay=False,
                    d_steps=5, lr_g=1e-4, lr_d=1e-4, beta2=0.9, gp_weight=0.1,
                    steps=1000)
COMPARISON = {"recipe": GANConfig(), "WGAN-GP": WGAN_GP}

# The chapter's ablations: on the ring each of the first four rows adds one ingredient
# to the one above and the last rows take one back out of the recipe; the grid repeats
# the rows that tell the most there.
VANILLA = GANConfig(pack=1, decay=False, latent="gaussian")
ABLATION = {
    "ring": {
        "vanilla GAN": VANILLA,
        "+ packing (PacGAN2)": replace(VANILLA, pack=2),
        "+ learning-rate decay": replace(VANILLA, pack=2, decay=True),
        "+ mixture latent (recipe)": GANConfig(),
        "recipe without packing": GANConfig(pack=1),
        "recipe without decay": GANConfig(decay=False),
        "recipe without standardising": GANConfig(standardise=False),
        "recipe, 16 components": GANConfig(n_components=16),
    },
    "grid": {
        "vanilla GAN": VANILLA,
        "+ packing and decay": replace(VANILLA, pack=2, decay=True),
        "recipe without packing": GANConfig(pack=1),
        "recipe without standardising": GANConfig(standardise=False),
        "recipe, 16 components": GANConfig(n_components=16),
        "recipe, 128 units, batches of 512": GANConfig(hidden=128, batch_size=512),
    },
}

# The generators the chapter loads: seed 0 of these (benchmark, row) pairs.
SHIPPED = {"gaussian": ("ring", "+ learning-rate decay"), "mixture": ("ring", "recipe"),
           "grid": ("grid", "recipe")}


def save_generators(runs: dict[str, tuple[str, GANRun]], path, update: bool = False
                    ) -> None:
    """Store generators, each under its name with its benchmark and config (plain types
    and tensors only). With ``update`` the file's other generators are kept."""
    stored = {}
    if update and Path(path).exists():
        stored = torch.load(path, weights_only=True)
    stored |= {name: {"benchmark": benchmark, "config": asdict(run.config),
                      "state": run.generator.state_dict()}
               for name, (benchmark, run) in runs.items()}
    torch.save(stored, path)


def load_generators() -> dict[str, GANRun]:
    """The generators shipped with the package (``benchmarks/gan_modes.py``
    ``--save-generators``), by the names of ``SHIPPED``, as runs without a
    discriminator or history. Each samples its latents with a generator seeded 0."""
    path = resources.files("dlbook") / "assets" / "gan_generators.pt"
    with resources.as_file(path) as file:
        stored = torch.load(file, weights_only=True)
    runs = {}
    for name, item in stored.items():
        config = GANConfig(**item["config"])
        scale = 1.0
        if config.standardise:
            scale = mixture_scale(*BENCHMARKS[item["benchmark"]])
        G, _ = build_players(config, scale=scale)
        G.load_state_dict(item["state"])
        G.eval()
        runs[name] = GANRun(G, LatentSampler(config, torch_generator(0)),
                            None, config, np.zeros((0, 2)))
    return runs


def benchmark_figures() -> dict:
    """The figures of ``benchmarks/gan_modes.py --ablation --own-data 3`` as shipped
    with the package (the chapter's tables: 5 seeds of each row take minutes, not
    seconds); ``"own_data"`` holds the runs through ``train_gan(data=array)``."""
    path = resources.files("dlbook") / "assets" / "gan_modes.json"
    return json.loads(path.read_text())


# Chapter 06's trainer widget: the recipe for a short run at each of these settings,
# trained once by benchmarks/gan_trainer_runs.py and shipped, so that the widget
# responds without training (1,000 steps take 7-20 s each on two cores)
TRAINER_STEPS = 1000
TRAINER_OPTIONS = {"lr_g": (2e-4, 1e-3, 5e-3), "lr_d": (2e-4, 1e-3, 5e-3),
                   "d_steps": (1, 3), "latent": LATENTS}


def trainer_runs() -> dict[tuple, dict]:
    """The shipped runs of the trainer widget, keyed by (lr_g, lr_d, d_steps, latent):
    each holds 2,500 ``samples``, the ``losses`` (L_D, L_G) per generator step, its
    ``modes`` and ``high_quality`` share (``ring_metrics`` of the samples) and
    ``seconds``."""
    path = resources.files("dlbook") / "assets" / "gan_trainer_runs.npz"
    with resources.as_file(path) as file, np.load(file) as stored:
        settings = list(itertools.product(*TRAINER_OPTIONS.values()))
        if [json.loads(s) for s in stored["settings"]] != [
                dict(zip(TRAINER_OPTIONS, s)) for s in settings]:
            raise RuntimeError(f"{path.name} holds other settings than "
                               "TRAINER_OPTIONS: run benchmarks/gan_trainer_runs.py "
                               "again")
        return {setting: {"samples": stored["samples"][i].astype(np.float64),
                          "losses": stored["losses"][i].astype(np.float64),
                          "modes": int(stored["modes"][i]),
                          "high_quality": float(stored["high_quality"][i]),
                          "seconds": float(stored["seconds"][i])}
                for i, setting in enumerate(settings)}
