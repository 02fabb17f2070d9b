from dataclasses import replace

import numpy as np
import pytest
import torch

from dlbook import data, gan_torch
from dlbook.gan_torch import GANConfig, ring_metrics


# ------------------------------------------------------------------------ metrics
def test_metrics_on_samples_from_the_data():
    X, modes = data.make_ring(20000, seed=1)
    m = ring_metrics(X)
    assert m["modes"] == 8
    # |x - centre| / std is chi with 2 degrees of freedom: P(< 3) = 1 - exp(-9/2)
    assert m["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.003)
    # high-quality samples are the data cut at 3 std: r^2 / std^2 is exponential with
    # mean 2 truncated at 9, so spread = std * sqrt(E[r^2 | r < 3] / 2)
    tail = 9 * np.exp(-4.5) / (1 - np.exp(-4.5))
    assert m["spread"] == pytest.approx(0.01 * np.sqrt((2 - tail) / 2), rel=0.01)
    assert sum(m["counts"]) == round(m["high_quality"] * 20000)
    assert min(m["counts"]) > 2000


def test_metrics_with_known_answers():
    centres = data.ring_centres()
    # three samples exactly on centres 0, 0 and 5; one 0.02 away from centre 2 (inside 3
    # std); one 0.05 away from centre 3 (outside); one at the origin (outside)
    off = np.array([0.0, 0.02])
    S = np.stack([centres[0], centres[0], centres[5], centres[2] + off,
                  centres[3] + 2.5 * off, np.zeros(2)])
    m = ring_metrics(S)
    assert m["modes"] == 3
    assert m["high_quality"] == pytest.approx(4 / 6)
    assert m["counts"] == [2, 0, 1, 0, 0, 1, 0, 0]
    assert m["spread"] == pytest.approx(np.sqrt(0.02 ** 2 / 4 / 2))


def test_collapsed_generator_scores_one_mode():
    S = data.ring_centres()[3] + 0.001 * np.random.default_rng(0).standard_normal((2500, 2))
    m = ring_metrics(S)
    assert (m["modes"], m["high_quality"]) == (1, 1.0)
    assert m["spread"] < 0.002


def test_metrics_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ring_metrics(np.zeros((10, 3)))
    with pytest.raises(ValueError, match="2 dimension"):
        ring_metrics(np.zeros(10))
    with pytest.raises(ValueError, match="std must be > 0"):
        ring_metrics(np.zeros((4, 2)), std=0.0)


# ------------------------------------------------------------------------- config
def test_config_checks_and_latent_shapes():
    with pytest.raises(ValueError, match="latent"):
        GANConfig(latent="uniform")
    with pytest.raises(ValueError, match="pack must be >= 1"):
        GANConfig(pack=0)
    with pytest.raises(ValueError, match="lr_d must be > 0"):
        GANConfig(lr_d=0.0)
    import torch
    c = GANConfig(n_components=16, noise_dim=2, noise_std=0.1)
    z = gan_torch.LatentSampler(c, torch.Generator().manual_seed(0))(4000)
    assert z.shape == (4000, c.latent_dim) == (4000, 18)
    assert (z[:, :16].sum(1) == 1).all() and set(z[:, :16].unique().tolist()) == {0.0, 1.0}
    assert z[:, 16:].std().item() == pytest.approx(0.1, rel=0.05)
    assert replace(c, latent="gaussian").latent_dim == 2 and c.latent == "mixture"


def test_grid_benchmark_and_its_scale():
    centres, std = gan_torch.BENCHMARKS["grid"]
    assert centres.shape == (25, 2) and std == 0.05
    assert sorted(set(centres[:, 0])) == [-4, -2, 0, 2, 4]
    assert len(np.unique(centres, axis=0)) == 25
    # the pooled per-coordinate standard deviation of samples from each mixture
    for name, expected in [("ring", np.sqrt(0.5 + 0.01 ** 2)), ("grid", np.sqrt(8 + 0.05 ** 2))]:
        assert gan_torch.mixture_scale(*gan_torch.BENCHMARKS[name]) == \
            pytest.approx(expected)
    X = centres[np.arange(20000) % 25] + std * np.random.default_rng(0).standard_normal((20000, 2))
    assert X.std(axis=0).mean() == pytest.approx(np.sqrt(8.0025), rel=0.01)
    m = gan_torch.mode_metrics(X, "grid")
    assert m["modes"] == 25 and m["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.003)
    with pytest.raises(ValueError, match="unknown benchmark"):
        gan_torch.mode_metrics(X, "spiral")


def test_critic_loss_of_a_linear_critic():
    """D(x) = w . x has gradient w everywhere: loss = w . (mean fake - mean real)
    + lambda (|w| - 1)^2, whatever the interpolation points."""
    import torch

    w = torch.tensor([[3.0], [4.0]])                       # |w| = 5

    def critic(x):
        return x @ w

    real, fake = torch.randn(64, 2), torch.randn(64, 2) + 1
    expected = (fake.mean(0) - real.mean(0)) @ w[:, 0] + 0.1 * (5 - 1) ** 2
    assert gan_torch.critic_loss(critic, real, fake, gp_weight=0.1).item() == \
        pytest.approx(expected.item(), rel=1e-5)
    # packed in pairs, the gradient has 4 entries (3, 4, 3, 4): norm sqrt(50)
    w = torch.tensor([[3.0], [4.0], [3.0], [4.0]])
    loss = gan_torch.critic_loss(critic, real, fake, pack=2, gp_weight=1.0)
    assert loss.item() == pytest.approx(
        ((fake - real).reshape(-1, 4).mean(0) @ w[:, 0]).item() + (np.sqrt(50) - 1) ** 2,
        rel=1e-5)


def test_wgan_gp_trains_on_the_grid_and_rescales_its_players():
    import torch

    config = GANConfig(objective="wgan-gp", latent="gaussian", pack=1, d_steps=2,
                       steps=30, batch_size=32, hidden=16)
    run = gan_torch.train_gan(config, data="grid", seed=0, snapshot_every=10,
                                 n_snapshot=50)
    assert np.isfinite(run.losses).all()
    scale = np.sqrt(8.0025)
    assert run.generator[-1].factor.item() == pytest.approx(scale)
    assert run.discriminator[0].factor.item() == pytest.approx(1 / scale)
    history = gan_torch.quality_history(run, "grid")
    assert history["step"] == [10, 20, 30]
    assert history["loss_d"][0] == pytest.approx(run.losses[0:10, 0].mean(), abs=1e-4)
    again = gan_torch.train_gan(config, data="grid", seed=0, snapshot_every=10,
                                   n_snapshot=50)
    assert np.array_equal(again.losses, run.losses)       # the penalty's draws are seeded
    again.snapshots = again.snapshots[:1]
    plain = gan_torch.train_gan(replace(config, standardise=False), data="grid", seed=0)
    assert isinstance(plain.generator, torch.nn.Sequential) and \
        not isinstance(plain.generator[-1], gan_torch.Rescale)
    with pytest.raises(ValueError, match="fewer than 2 snapshots"):
        gan_torch.quality_history(again, "grid")
    with pytest.raises(ValueError, match="unknown objective"):
        GANConfig(objective="hinge")


# ----------------------------------------------------------------------- training
def test_losses_against_an_undecided_discriminator():
    """D(x) = 1/2 everywhere: L_D = 2 log 2, and L_G = log 2 (non-saturating) or
    -log 2 (saturating); packing hands D pack samples side by side."""
    import torch

    def undecided(x):
        assert x.shape == (4, 4)                       # 8 samples of 2-D, packed in pairs
        return torch.zeros(len(x), 1)

    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert gan_torch.discriminator_loss(undecided, real, fake, pack=2).item() == \
        pytest.approx(2 * np.log(2))
    assert gan_torch.generator_loss(undecided, fake, pack=2).item() == \
        pytest.approx(np.log(2))
    assert gan_torch.generator_loss(undecided, fake, pack=2, kind="saturating").item() == \
        pytest.approx(-np.log(2))


def test_a_run_depends_on_its_seed_only_and_leaves_torch_global_generator_alone():
    import torch

    config = GANConfig(steps=5, batch_size=16, hidden=8)
    torch.manual_seed(7)
    expected_next = torch.rand(2)
    torch.manual_seed(7)
    first = gan_torch.train_gan(config, seed=3)
    assert torch.equal(torch.rand(2), expected_next)
    torch.manual_seed(99)                               # another global state: same run
    assert np.array_equal(gan_torch.train_gan(config, seed=3).losses, first.losses)
    assert not np.array_equal(gan_torch.train_gan(config, seed=4).losses, first.losses)


def test_ring_training_records_snapshots_and_losses():
    run = gan_torch.train_gan(GANConfig(steps=60, batch_size=32, hidden=16), seed=0,
                                 snapshot_every=20, n_snapshot=100)
    assert [s for s, _ in run.snapshots] == [0, 20, 40, 60]
    assert run.snapshots[0][1].shape == (100, 2)
    assert not np.allclose(run.snapshots[0][1], run.snapshots[-1][1])   # G was trained
    assert run.losses.shape == (60, 2) and np.isfinite(run.losses).all()
    assert run.sample(7).shape == (7, 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_gan_moves_its_samples_onto_the_data(seed):
    """A blob at (0.75, 0.3); unstandardised, the generator starts near the origin."""
    target = np.array([0.75, 0.3])
    X = target + 0.05 * np.random.default_rng(seed).standard_normal((1000, 2))
    config = GANConfig(steps=300, batch_size=64, hidden=32, pack=1, latent="gaussian",
                       lr_g=2e-3, lr_d=2e-3, standardise=False)
    untrained = gan_torch.train_gan(replace(config, lr_g=1e-12, lr_d=1e-12), data=X,
                                    seed=seed)
    trained = gan_torch.train_gan(config, data=X, seed=seed)
    assert np.abs(untrained.sample(2000).mean(0) - target).max() > 0.15
    assert np.abs(trained.sample(2000).mean(0) - target).max() < 0.1


def test_own_data_is_standardised_as_the_benchmarks_are():
    """The players see an array in units of its own spread, centred on its mean: data
    far from the unit interval are accepted, and the data's units change nothing."""
    rng = np.random.default_rng(0)
    X = np.array([100.0, -50.0]) + 20 * rng.standard_normal((500, 2))
    mean, scale = gan_torch.data_scale(X)
    assert np.allclose(mean, X.mean(0))
    assert scale == pytest.approx(np.sqrt(X.var(0).mean()))
    config = GANConfig(steps=20, batch_size=32, hidden=16, pack=2, latent="gaussian")
    run = gan_torch.train_gan(config, data=X, seed=0)
    G, D = run.generator, run.discriminator
    assert isinstance(G[-1], gan_torch.Shift) and isinstance(G[0][-1], gan_torch.Rescale)
    assert isinstance(D[0], gan_torch.Shift) and isinstance(D[1][0], gan_torch.Rescale)
    assert torch.allclose(D[0].offset, -torch.tensor(np.tile(mean, 2), dtype=torch.float32))
    samples = run.sample(2000)
    assert np.abs(samples.mean(0) - mean).max() < scale      # around the data, not at 0
    in_kilo = gan_torch.train_gan(config, data=X / 1000, seed=0)
    assert np.allclose(in_kilo.losses, run.losses, rtol=1e-3, atol=1e-5)
    assert np.allclose(in_kilo.sample(2000) * 1000, samples, rtol=1e-3, atol=1e-2)


def test_gan_on_an_array_checks_its_inputs():
    X = np.random.default_rng(0).random((50, 6))
    run = gan_torch.train_gan(GANConfig(steps=20, batch_size=16, latent="gaussian",
                                        pack=1, hidden=16), data=X)
    assert run.sample(30).shape == (30, 6)
    with pytest.raises(ValueError, match="finite"):
        gan_torch.train_gan(GANConfig(steps=1), data=np.full((5, 2), np.nan))
    with pytest.raises(TypeError, match="config must be a GANConfig"):
        gan_torch.train_gan({"steps": 10})


def test_saved_benchmark_figures_match_the_tables():
    """The chapter's tables are read from this file: it must cover the current rows."""
    figures = gan_torch.benchmark_figures()
    for benchmark in gan_torch.BENCHMARKS:
        rows = figures[benchmark]
        assert list(rows["ablation"]) == list(gan_torch.ABLATION[benchmark])
        for name in gan_torch.COMPARISON:
            assert len(rows[name]["runs"]) == 5
            assert rows[name]["mean_modes"] == np.mean([r["modes"] for r in rows[name]["runs"]])
            history = rows[name]["runs"][0]["history"]
            assert history["step"][-1] == gan_torch.COMPARISON[name].steps
            assert len(set(map(len, history.values()))) == 1


def test_shipped_generators_are_the_ones_the_chapter_describes():
    runs = gan_torch.load_generators()
    assert set(runs) == set(gan_torch.SHIPPED)
    for name, (benchmark, row) in gan_torch.SHIPPED.items():
        rows = gan_torch.COMPARISON | gan_torch.ABLATION[benchmark]
        assert runs[name].config == rows[row]
    mixture = ring_metrics(runs["mixture"].sample(2500))
    gaussian = ring_metrics(runs["gaussian"].sample(2500))
    assert mixture["modes"] == 8 and mixture["high_quality"] > 0.98
    assert gaussian["high_quality"] < mixture["high_quality"] - 0.05    # the trails
    grid = gan_torch.mode_metrics(runs["grid"].sample(2500), "grid")
    assert grid["modes"] == 25 and grid["high_quality"] > 0.95


def test_shipped_trainer_runs_are_what_the_recipe_trains():
    runs = gan_torch.trainer_runs()
    assert len(runs) == 3 * 3 * 2 * 2
    for run in runs.values():
        assert run["samples"].shape == (2500, 2)
        assert run["losses"].shape == (gan_torch.TRAINER_STEPS, 2)
        # the metrics were taken on the float32 samples, stored as float16
        again = ring_metrics(run["samples"])
        assert abs(again["high_quality"] - run["high_quality"]) < 0.02
        assert abs(again["modes"] - run["modes"]) <= 1
    # the first setting trained again: the early losses are the stored ones (later steps
    # drift apart from one CPU to another, as any long float32 run does)
    setting = (1e-3, 1e-3, 1, "gaussian")
    config = GANConfig(steps=gan_torch.TRAINER_STEPS, **dict(zip(gan_torch.TRAINER_OPTIONS,
                                                                 setting)))
    losses = gan_torch.train_gan(config, seed=0).losses
    np.testing.assert_allclose(losses[:100], runs[setting]["losses"][:100], rtol=1e-3)
