import numpy as np
import pytest
import torch

from dlbook import data, forecast


def test_time_split_keeps_time_order():
    X, y = data.sliding_windows(np.arange(100.0), window=5, horizon=3)
    split = forecast.time_split(X, y, train=0.6, val=0.2)
    assert len(split.X_train) + len(split.X_val) + len(split.X_test) == len(X)
    assert split.y_train.max() < split.y_val.min() <= split.y_val.max() < split.y_test.min()
    with pytest.raises(ValueError, match="leave a test split"):
        forecast.time_split(X, y, train=0.8, val=0.2)
    with pytest.raises(ValueError, match="windows but y has"):
        forecast.time_split(X, y[:-1])


def test_linear_ar_recovers_an_autoregression():
    rng = np.random.default_rng(0)
    s = np.zeros(5000)
    for t in range(2, len(s)):                 # s_t = 0.6 s_{t-1} - 0.3 s_{t-2} + 0.5 + noise
        s[t] = 0.6 * s[t - 1] - 0.3 * s[t - 2] + 0.5 + 0.1 * rng.standard_normal()
    X, y = data.sliding_windows(s, window=2, horizon=1)
    model = forecast.LinearAR().fit(X, y)
    assert np.allclose(model.w, [-0.3, 0.6], atol=0.03) and model.c == pytest.approx(0.5, abs=0.03)
    assert forecast.mse(model.predict(X), y) == pytest.approx(0.01, rel=0.1)
    with pytest.raises(ValueError, match="fitted on 2"):
        model.predict(np.zeros((3, 4)))


def test_last_value_and_gru_forecaster_on_a_sine():
    s = np.sin(np.arange(600) * 0.2)
    X, y = data.sliding_windows(s, window=20, horizon=5)
    split = forecast.time_split(X, y)
    assert np.array_equal(forecast.last_value_forecast(split.X_test), split.X_test[:, -1])
    model = forecast.gru_forecaster(hidden_size=16, seed=0)
    history = forecast.train_forecaster(model, split.X_train, split.y_train, split.X_val,
                                        split.y_val, epochs=15)
    assert len(history["train"]) == len(history["val"]) == 15
    best = min(history["val"])
    assert forecast.mse(forecast.predict(model, split.X_val), split.y_val) == pytest.approx(best)
    test_mse = forecast.mse(forecast.predict(model, split.X_test), split.y_test)
    assert test_mse < 0.01 * np.var(split.y_test)


def test_the_forecaster_reads_windows_one_value_per_step():
    model = forecast.gru_forecaster(hidden_size=4, seed=0)
    with torch.no_grad():                       # a readout that ignores the state
        model.out.weight.zero_()
        model.out.bias.fill_(0.5)
    windows = np.random.default_rng(0).standard_normal((3, 7))
    assert forecast.as_sequences(windows).shape == (3, 7, 1)
    assert np.allclose(forecast.predict(model, windows), 0.5)
    prediction, loss = model(torch.zeros(4, 7, 1), torch.tensor([0.5, 1.5, 0.5, -0.5]))
    assert prediction.shape == (4,) and loss.item() == pytest.approx((0 + 1 + 0 + 1) / 4)
    with pytest.raises(AssertionError, match="X"):
        model(torch.zeros(3, 7))
    with pytest.raises(ValueError, match="dimension"):
        forecast.predict(model, np.zeros(7))


def test_several_horizons_at_once_from_both_networks():
    windows = np.random.default_rng(0).standard_normal((5, 6))
    for model in (forecast.gru_forecaster(8, outputs=3, seed=0),
                  forecast.WindowMLP(6, outputs=3, hidden=8, seed=0)):
        assert forecast.predict(model, windows).shape == (5, 3)
        _, loss = model(torch.zeros(5, 6, 1), torch.zeros(5, 3))
        assert loss.ndim == 0
    mlp = forecast.WindowMLP(6, outputs=1, hidden=8, layers=1, seed=1)
    assert forecast.predict(mlp, windows).shape == (5,)
    again = forecast.WindowMLP(6, outputs=1, hidden=8, layers=1, seed=1)
    assert np.array_equal(forecast.predict(again, windows), forecast.predict(mlp, windows))


def test_training_keeps_the_weights_of_the_best_validation_epoch():
    """A validation split the model cannot fit, so its error rises after the first
    epochs: the weights kept are those of the best epoch, not the last."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 5)), rng.standard_normal(300)
    split = forecast.time_split(X, y)
    model = forecast.gru_forecaster(hidden_size=32, seed=0)
    history = forecast.train_forecaster(model, split.X_train, split.y_train, split.X_val,
                                        split.y_val, epochs=25, lr=1e-2, batch_size=16)
    best = int(np.argmin(history["val"]))
    assert best < 24 and history["val"][-1] > history["val"][best]   # it did overfit
    assert forecast.mse(forecast.predict(model, split.X_val), split.y_val) == pytest.approx(
        history["val"][best])


def test_rolling_origins_cover_a_period_with_windows_from_its_past():
    series = np.arange(100.0)
    w = forecast.origin_windows(series, 60, 80, window=10, horizon=3)
    assert w.origins[0] == 59 and w.origins[-1] == 76          # targets 60..79 only
    assert np.array_equal(w.X[0], np.arange(50.0, 60.0))       # the past before 60
    assert np.array_equal(w.Y[0], [60.0, 61.0, 62.0]) and w.Y.max() == 79
    assert np.array_equal(w.Y, w.X[:, -1:] + np.arange(1, 4))
    first = forecast.origin_windows(series, 0, 30, window=10, horizon=3)
    assert first.origins[0] == 9                                 # a whole window first
    with pytest.raises(ValueError, match="first < last"):
        forecast.origin_windows(series, 50, 40, window=10, horizon=3)
    with pytest.raises(ValueError, match="no origin"):
        forecast.origin_windows(series, 0, 5, window=10, horizon=3)


def test_seasonal_baselines_and_errors_by_horizon():
    t = np.arange(48)
    series = np.tile([0.0, 1.0, 2.0, 3.0], 12) + 0.1 * t       # period 4, slow trend
    cycle = forecast.seasonal_cycle(series, period=4, n=24)
    assert np.allclose(cycle, [0, 1, 2, 3] + 0.1 * np.array([10, 11, 12, 13]))
    origins = np.array([10, 20])
    naive = forecast.seasonal_naive(series, origins, horizon=4, period=4)
    assert np.array_equal(naive[0], series[7:11]) and np.array_equal(naive[1], series[17:21])
    with pytest.raises(ValueError, match="horizon"):
        forecast.seasonal_naive(series, origins, horizon=5, period=4)
    X = np.array([[1.0, 2.0], [3.0, 5.0]])
    assert np.array_equal(forecast.persistence(X, 3), [[2, 2, 2], [5, 5, 5]])
    errors = forecast.rmse_by_horizon([[0.0, 1.0], [0.0, 3.0]], [[0.0, 0.0], [0.0, 0.0]])
    assert np.allclose(errors, [0.0, np.sqrt(5.0)])


def test_linear_ar_forecasts_several_horizons_of_an_autoregression():
    rng = np.random.default_rng(0)
    s = np.zeros(3000)
    for t in range(1, len(s)):
        s[t] = 0.9 * s[t - 1] + 0.1 * rng.standard_normal()
    w = forecast.origin_windows(s, 0, len(s), window=3, horizon=2)
    model = forecast.LinearAR().fit(w.X, w.Y)
    assert model.w.shape == (3, 2)
    assert np.allclose(model.w[:, 0], [0, 0, 0.9], atol=0.03)    # E[s_t+1] = 0.9 s_t
    assert np.allclose(model.w[:, 1], [0, 0, 0.81], atol=0.04)   # E[s_t+2] = 0.81 s_t
    with pytest.raises(ValueError, match="one row per window"):
        forecast.LinearAR().fit(w.X, w.Y[:-1])
