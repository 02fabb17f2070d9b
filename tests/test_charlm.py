import math

import numpy as np
import pytest
import torch

from dlbook import charlm, data, rnn


def test_vocabulary_round_trip_and_unknown_characters():
    text = data.load_shakespeare("val")[:2000]
    vocab = charlm.Vocab(data.load_shakespeare())
    assert len(vocab) == 65
    assert vocab.decode(vocab.encode(text)) == text
    with pytest.raises(ValueError, match="not in the vocabulary"):
        vocab.encode("café")
    with pytest.raises(ValueError, match="empty"):
        charlm.Vocab("")


def test_the_split_is_by_position():
    text = data.load_shakespeare()
    train, val = data.load_shakespeare("train"), data.load_shakespeare("val")
    assert train + val == text and len(train) == int(0.9 * len(text))


def test_count_baselines_on_a_text_with_known_answers():
    ids = np.array([0, 1] * 500)                       # 0101...: bigram is certain
    uni = charlm.unigram_loss(ids, ids, vocab_size=2, alpha=1e-9)
    bi = charlm.bigram_loss(ids, ids, vocab_size=2, alpha=1e-9)
    assert uni == pytest.approx(math.log(2), abs=1e-6) and bi == pytest.approx(0.0, abs=1e-6)


def test_untrained_lstm_scores_about_log_vocab_and_training_helps():
    rng = np.random.default_rng(0)
    ids = np.tile(rng.integers(0, 5, size=7), 300)   # a repeating 7-character pattern
    model = charlm.CharLSTM(5, hidden_size=32, embedding_size=8)
    before = charlm.evaluate(model, ids, streams=10)
    assert abs(before - math.log(5)) < 0.3
    charlm.train_char_model(model, ids, steps=150, seq_len=16, batch_size=16, lr=1e-2)
    assert charlm.evaluate(model, ids, streams=10) < 0.5 * before


def test_forward_is_the_book_interface_and_carries_the_state_it_is_given():
    model = charlm.CharLSTM(6, hidden_size=8, embedding_size=4)
    generator = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 6, (7, 3), generator=generator)
    targets = torch.randint(0, 6, (7, 3), generator=generator)
    logits, loss = model(idx, targets)
    assert logits.shape == (7, 3, 6) and model(idx)[1] is None
    log_p = torch.log_softmax(logits, -1).gather(-1, targets[..., None])   # by definition
    assert loss.item() == pytest.approx(-log_p.mean().item())
    first, _ = model(idx[:4])                          # read in two chunks, state carried
    state = model.last_state
    assert not state[0].requires_grad and state[0].shape == (1, 3, 8)
    second, _ = model(idx[4:], state=state)
    assert torch.allclose(torch.cat([first, second]), logits, atol=1e-6)
    fresh, _ = model(idx[4:])                          # without it, from zeros: different
    assert not torch.allclose(fresh, second, atol=1e-3)


def test_weights_are_a_function_of_the_seed_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = charlm.CharLSTM(5, hidden_size=4, embedding_size=2, seed=7)
    assert torch.equal(torch.rand(3), expected_next)        # the caller's generator untouched
    b = charlm.CharLSTM(5, hidden_size=4, embedding_size=2, seed=7)
    c = charlm.CharLSTM(5, hidden_size=4, embedding_size=2, seed=8)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.embed.weight, c.embed.weight)


def test_sampling_and_its_temperature():
    vocab = charlm.Vocab("ab\n")
    model = charlm.CharLSTM(3, hidden_size=8, embedding_size=4)
    text = charlm.sample(model, vocab, "ab", 50, temperature=0.7, seed=1)
    assert text.startswith("ab") and len(text) == 52 and set(text) <= set("ab\n")
    assert text == charlm.sample(model, vocab, "ab", 50, temperature=0.7, seed=1)
    cold = charlm.sample(model, vocab, "a", 30, temperature=1e-3, seed=2)
    assert cold == charlm.sample(model, vocab, "a", 30, temperature=1e-3, seed=3)  # argmax
    for bad in (0.0, -1.0):
        with pytest.raises(ValueError, match="temperature must be > 0"):
            charlm.sample(model, vocab, "a", 5, temperature=bad)
    with pytest.raises(ValueError, match="prime"):
        charlm.sample(model, vocab, "", 5)
    assert charlm.cell_states(model, vocab, "abba").shape == (4, 8)


def test_training_runs_its_steps_with_the_learning_rate_decayed_to_5_percent():
    model = charlm.CharLSTM(3, hidden_size=4, embedding_size=2)
    ids = np.array([0, 1, 2] * 50)
    rates = []
    original = torch.optim.Adam.step

    def spy(optimizer, *args, **kwargs):               # the rate of every update
        rates.append(optimizer.param_groups[0]["lr"])
        return original(optimizer, *args, **kwargs)

    torch.optim.Adam.step = spy
    try:
        losses = charlm.train_char_model(model, ids, steps=10, seq_len=5, batch_size=2,
                                         lr=0.1)
    finally:
        torch.optim.Adam.step = original
    assert len(losses) == 10 and all(np.isfinite(losses))
    assert np.allclose(rates, [0.1 * (1 - 0.95 * k / 10) for k in range(10)])
    with pytest.raises(ValueError, match="steps"):
        charlm.train_char_model(model, ids, steps=0)
    with pytest.raises(TypeError, match="steps"):
        charlm.train_char_model(model, ids, steps=2.5)


def test_min_char_rnn_training_learns_and_is_scored_with_the_state_carried():
    rng = np.random.default_rng(0)
    ids = np.tile(rng.integers(0, 5, size=7), 300)   # a repeating 7-character pattern
    model = rnn.RNN(5, 16, 5, seed=0)
    before = charlm.scratch_rnn_loss(model, ids, streams=10)
    losses = charlm.train_min_char_rnn(model, ids, steps=200, streams=8, seq_len=10, lr=0.1)
    assert len(losses) == 200 and np.mean(losses[-10:]) < 0.2 * np.mean(losses[:10])
    after = charlm.scratch_rnn_loss(model, ids, streams=10)
    assert after < 0.2 * min(before, math.log(5))
    # the score is the mean cross-entropy of one forward pass over `streams` slices
    x = ids[:2090].reshape(10, -1).T
    y = ids[1:2091].reshape(10, -1).T
    assert after == pytest.approx(model.forward(np.eye(5)[x], y)[1])


def test_consecutive_windows_continue_each_stream_and_flag_the_restart():
    ids = np.arange(103)
    windows = charlm.consecutive_windows(ids, streams=4, seq_len=5)   # slices of 25
    seen = [next(windows) for _ in range(6)]
    x0, y0, restart0 = seen[0]
    assert x0.shape == (5, 4) and restart0 and np.array_equal(y0, x0 + 1)
    assert np.array_equal(x0[:, 1], np.arange(25, 30))                # stream 1's start
    x1, _, restart1 = seen[1]
    assert not restart1 and np.array_equal(x1[0], x0[-1] + 1)        # picks up where it ended
    assert [r for _, _, r in seen] == [True, False, False, False, False, True]
    with pytest.raises(ValueError, match="too short"):
        next(charlm.consecutive_windows(ids, streams=50, seq_len=5))


def test_stateful_lstm_training_carries_the_state_across_windows():
    """A text whose next character depends on one 20 characters back: windows of 5 from
    a zero state cannot learn it; carried state can."""
    rng = np.random.default_rng(0)
    period = rng.integers(0, 4, size=20)
    ids = np.tile(period, 400)
    scores = {}
    for stateful in (False, True):
        model = charlm.CharLSTM(4, hidden_size=32, embedding_size=8)
        charlm.train_char_model(model, ids, steps=300, seq_len=5, batch_size=16, lr=1e-2,
                                stateful=stateful)
        scores[stateful] = charlm.evaluate(model, ids, streams=4)
    assert scores[True] < 0.3 < scores[False]


def test_windowed_evaluation_reads_every_window_from_a_zero_state():
    model = charlm.CharLSTM(5, hidden_size=8, embedding_size=4)
    ids = np.random.default_rng(1).integers(0, 5, 400)
    loss = charlm.evaluate_windows(model, ids, seq_len=10, windows=30, batch_size=7, seed=3)
    starts = np.random.default_rng(3).integers(0, len(ids) - 11, 30)
    with torch.no_grad():
        expected = np.mean([model(torch.from_numpy(ids[s:s + 10, None]),
                                  torch.from_numpy(ids[s + 1:s + 11, None]))[1].item()
                            for s in starts])
    assert loss == pytest.approx(expected, rel=1e-5)
    by_position = charlm.evaluate_windows(model, ids, seq_len=10, windows=30, batch_size=7,
                                          seed=3, per_position=True)
    assert by_position.shape == (10,) and by_position.mean() == pytest.approx(loss, rel=1e-5)


def test_on_step_is_called_after_every_update():
    model = charlm.CharLSTM(3, hidden_size=4, embedding_size=2)
    calls = []
    charlm.train_char_model(model, np.array([0, 1, 2] * 50), steps=4, seq_len=5,
                            batch_size=2, on_step=calls.append)
    assert calls == [1, 2, 3, 4]


def test_coloured_text_escapes_html_and_checks_lengths():
    from dlbook.plotting import coloured_text_html

    out = coloured_text_html("a<b\n", [1.0, -0.5, 0.0, 0.25])
    assert "&lt;" in out and "<br>" in out and out.count("<span") == 4
    assert "rgba(220,38,38,1.00)" in out and "rgba(37,99,235,0.50)" in out
    with pytest.raises(ValueError, match="one value per character"):
        coloured_text_html("abc", [1.0, 2.0])


def test_min_char_rnn_training_takes_a_budget_of_steps():
    model = rnn.RNN(3, 4, 3, seed=0)
    ids = np.array([0, 1, 2] * 100)
    assert len(charlm.train_min_char_rnn(model, ids, steps=5, streams=2, seq_len=4)) == 5
    with pytest.raises(ValueError, match="steps"):
        charlm.train_min_char_rnn(model, ids, steps=0)


def test_next_char_log_probs_are_in_text_order_and_average_to_the_loss():
    model = charlm.CharLSTM(5, hidden_size=8, embedding_size=4)
    ids = np.random.default_rng(2).integers(0, 5, 203)
    lp = charlm.next_char_log_probs(model, ids, streams=4, chunk=7)
    assert lp.shape == (200,)                                  # (203 - 1) // 4 * 4
    assert -lp.mean() == pytest.approx(charlm.evaluate(model, ids, streams=4, chunk=7), rel=1e-5)
    with torch.no_grad():                                      # stream 1 = ids[50:101]
        logits, _ = model(torch.from_numpy(ids[50:100, None]))
    expected = torch.log_softmax(logits[:, 0], -1)[torch.arange(50), ids[51:101]]
    assert np.allclose(lp[50:100], expected.numpy(), atol=1e-5)
