import hashlib

import numpy as np
import pytest

from dlbook import data


def test_shakespeare_is_the_shipped_file_and_splits_by_position():
    text = data.load_shakespeare()
    assert hashlib.sha256(text.encode("ascii")).hexdigest() == data.SHAKESPEARE_SHA256
    assert (len(text), text.count("\n"), len(set(text))) == (1_115_394, 40_000, 65)
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    assert (len(train), len(val)) == (1_003_854, 111_540)
    assert train + val == text
    assert text.startswith("First Citizen:")


def test_shakespeare_bad_arguments():
    with pytest.raises(ValueError, match="unknown split 'test'"):
        data.load_shakespeare("test")
    for bad in (0, 1, 1.5, -0.1):
        with pytest.raises(ValueError, match="train_fraction"):
            data.load_shakespeare("train", train_fraction=bad)


def test_digits_split_is_stratified_scaled_and_seeded():
    split = data.load_digits(test_fraction=0.25, seed=0)
    assert split.X_train.shape[1] == 64 and len(split.X_train) + len(split.X_test) == 1797
    assert split.X_train.min() >= 0 and split.X_train.max() == 1.0
    counts = np.bincount(split.y_test, minlength=10) / len(split.y_test)
    assert np.all(np.abs(counts - 0.1) < 0.02)
    again = data.load_digits(test_fraction=0.25, seed=0)
    assert np.array_equal(split.X_test, again.X_test)
    assert not np.array_equal(split.X_test, data.load_digits(test_fraction=0.25, seed=1).X_test)


@pytest.mark.parametrize("kwargs, error", [({"test_fraction": 0.0}, ValueError),
                                           ({"test_fraction": "a"}, TypeError),
                                           ({"seed": -3}, ValueError)])
def test_digits_bad_arguments(kwargs, error):
    with pytest.raises(error):
        data.load_digits(**kwargs)


def test_ring_has_distinct_centres_on_the_circle():
    centres = data.ring_centres(8, radius=1.0)
    assert centres.shape == (8, 2)
    assert np.allclose(np.linalg.norm(centres, axis=1), 1.0)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1) + np.eye(8) * 9
    assert gaps.min() == pytest.approx(2 * np.sin(np.pi / 8))  # neighbours, none repeated


def test_ring_samples_stay_near_their_mode():
    X, modes = data.make_ring(4000, std=0.01, seed=3)
    centres = data.ring_centres()
    dist = np.linalg.norm(X - centres[modes], axis=1)
    assert dist.max() < 6 * 0.01
    assert np.all(np.bincount(modes, minlength=8) > 400)


def test_moons_and_time_series_are_deterministic():
    X, y = data.make_moons(200, noise=0.2, seed=1)
    assert X.shape == (200, 2) and set(y) == {0, 1}
    assert np.array_equal(X, data.make_moons(200, noise=0.2, seed=1)[0])
    for kind in ("mackey_glass", "seasonal"):
        s = data.make_time_series(500, kind=kind, seed=2)
        assert s.shape == (500,) and np.all(np.isfinite(s)) and s.std() > 0.05
        assert np.array_equal(s, data.make_time_series(500, kind=kind, seed=2))


def test_mackey_glass_defeats_a_linear_forecaster_far_ahead():
    # one step ahead the smooth series is almost linear, but 20 steps ahead the best
    # linear autoregression on 20 past values leaves over 10% of the variance unexplained
    def linear_ar_residual(series, horizon, order=20):
        X, y = data.sliding_windows(series, order, horizon)
        A = np.c_[X, np.ones(len(X))]
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        return np.var(y - A @ coef) / np.var(y)

    series = data.make_time_series(3000, "mackey_glass")
    assert linear_ar_residual(series, horizon=1) < 1e-4
    assert linear_ar_residual(series, horizon=20) > 0.1


def test_time_series_bad_arguments():
    with pytest.raises(ValueError, match="unknown kind 'sine'"):
        data.make_time_series(100, kind="sine")
    with pytest.raises(ValueError, match="n_steps"):
        data.make_time_series(0)
    with pytest.raises(ValueError, match="noise"):
        data.make_time_series(10, noise=-1.0)


def test_sliding_windows_align_inputs_and_targets():
    X, y = data.sliding_windows(np.arange(10.0), window=3, horizon=2)
    assert X.shape == (6, 3)
    assert np.array_equal(X[0], [0, 1, 2]) and y[0] == 4 and y[-1] == 9
    with pytest.raises(ValueError, match="too short"):
        data.sliding_windows(np.arange(3.0), window=3)
    with pytest.raises(ValueError, match="1-D"):
        data.sliding_windows(np.zeros((3, 3)), window=1)

def test_moons_posterior_is_the_bayes_classifier():
    P = data.moons_posterior(np.array([[-1.0, 0.0], [2.0, 0.5], [0.5, 0.25]]))
    assert P[0] < 0.01 and P[1] > 0.99 and 0.0 < P[2] < 1.0
    X, y = data.make_moons(20000, noise=0.2, seed=3)
    bayes = ((data.moons_posterior(X) > 0.5) == y).mean()
    assert 0.965 < bayes < 0.978           # about 3% of points lie on the wrong side
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        data.moons_posterior(np.zeros((3, 3)))


def test_memory_tasks_have_the_documented_structure():
    X, y = data.make_first_symbol_task(50, gap=7, n_symbols=5, seed=2)
    assert X.shape == (8, 50, 5) and np.all(X.sum(axis=2) == 1)
    assert np.array_equal(X[0].argmax(axis=1), y)
    X, y = data.make_adding_problem(300, length=10, seed=1)
    assert X.shape == (10, 300, 2)
    markers = X[:, :, 1]
    assert np.all(markers.sum(axis=0) == 2)
    assert np.all(markers[:5].sum(axis=0) == 1) and np.all(markers[5:].sum(axis=0) == 1)
    assert np.allclose(y, (X[:, :, 0] * markers).sum(axis=0))
    with pytest.raises(ValueError, match="length"):
        data.make_adding_problem(10, length=1)
    with pytest.raises(ValueError, match="n_symbols"):
        data.make_first_symbol_task(10, gap=3, n_symbols=1)


def test_a_weighted_ring_draws_each_mode_in_proportion():
    weights = np.arange(1, 9) / 36
    X, modes = data.make_ring(36_000, weights=weights, seed=0)
    shares = np.bincount(modes, minlength=8) / len(modes)
    assert np.abs(shares - weights).max() < 0.01
    assert np.allclose(X, data.ring_centres()[modes], atol=0.06)
    with pytest.raises(ValueError, match="summing to 1"):
        data.make_ring(10, weights=np.ones(8))
    with pytest.raises(ValueError, match="8 non-negative"):
        data.make_ring(10, weights=[0.5, 0.5])


def test_the_sea_surface_temperature_is_the_shipped_monthly_series():
    sst = data.load_sea_surface_temperature()
    assert sst.shape == (61 * 12,) and np.isfinite(sst).all()
    assert sst[0] == 23.11 and sst[-1] == 22.07                  # Jan 1950, Dec 2010
    assert 18.0 < sst.min() < sst.max() < 30.0
    by_month = sst.reshape(61, 12).mean(axis=0)                  # warm season Feb-Apr
    assert by_month.argmax() in (1, 2, 3) and by_month.argmin() in (7, 8, 9)


def test_a_shipped_file_that_does_not_match_its_digest_is_refused():
    assert data.checked_asset("nino12_sst.csv", data.SST_SHA256)
    with pytest.raises(RuntimeError, match="nino12_sst.csv is corrupt"):
        data.checked_asset("nino12_sst.csv", data.SHAKESPEARE_SHA256)
