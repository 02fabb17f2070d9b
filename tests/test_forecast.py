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
    history = forecast.train_forecaster(model, split, epochs=15)
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


def test_training_keeps_the_weights_of_the_best_validation_epoch():
    """A validation split the model cannot fit, so its error rises after the first
    epochs: the weights kept are those of the best epoch, not the last."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 5)), rng.standard_normal(300)
    split = forecast.time_split(X, y)
    model = forecast.gru_forecaster(hidden_size=32, seed=0)
    history = forecast.train_forecaster(model, split, epochs=25, lr=1e-2, batch_size=16)
    best = int(np.argmin(history["val"]))
    assert best < 24 and history["val"][-1] > history["val"][best]   # it did overfit
    assert forecast.mse(forecast.predict(model, split.X_val), split.y_val) == pytest.approx(
        history["val"][best])
