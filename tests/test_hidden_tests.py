"""Tests of the hidden tests: each one fails on a plausible wrong answer.

A hidden test that also passes a wrong answer grades nothing. Each case below runs an
assignment's source notebook in-process with one answer replaced by a wrong one (every
other answer is the solution), then runs the hidden test cell and expects it to fail.
Every hidden test has a case.
"""
import contextlib
import io

import nbformat
import pytest
import torch

from test_assignments import (
    CAUSAL_ONLY_ATTENTION,
    CHAPTER_D_STAR,
    FANCY_INDEX_COUNTS,
    FIXED_TARGET_LOSSES,
    GLOBAL_STANDARDIZE,
    GREEDY_SAMPLER,
    IN_PLACE_CLIP,
    STRIDE_ONE_CONV_BACKWARD,
    W_H_FROM_H_T,
    mistake,
    solution,
)
from tools import assignments

# The generator's update takes L_D's gradient too: the fakes are not detached and both
# optimisers are zeroed once, at the start. It runs, and it even learns roughly.
UNDETACHED_TRAIN_STEP = '''
def train_step(G, D, opt_G, opt_D, real, z, a=0.0, b=1.0, c=1.0):
    opt_D.zero_grad()
    opt_G.zero_grad()
    fake = G(z)
    loss_D = discriminator_loss(D(real), D(fake), a, b)
    loss_D.backward()
    opt_D.step()
    loss_G = generator_loss(D(G(z)), c)
    loss_G.backward()
    opt_G.step()
    return loss_D.item(), loss_G.item()
'''


# a04_bptt: chapter 04's tanh RNN step backward pasted in (an alpha it ignores).
CHAPTER_04_RNN_STEP_BACKWARD = '''
def rnn_step_backward(dh_t, x_t, h_prev, h_t, W_xh, W_hh, alpha=0.25):
    dz = dh_t * (1.0 - h_t ** 2)
    return dz @ W_xh, dz @ W_hh, dz.T @ x_t, dz.T @ h_prev, dz.sum(axis=0)
'''

# a04_lstm: chapter 04's LSTM step backward pasted in, with a zero gradient for the
# peepholes it does not have.
CHAPTER_04_STEP_BACKWARD = '''
def lstm_step_backward(dh, dc, cache, params):
    x, h_prev, c_prev, i, f, g, omega, c = cache
    tanh_c = np.tanh(c)
    d_omega = dh * tanh_c
    dc = dc + dh * omega * (1.0 - tanh_c ** 2)
    di, df, dg = dc * g, dc * c_prev, dc * i
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f),
                         dg * (1 - g ** 2), d_omega * omega * (1 - omega)], axis=1)
    grads = {"W_x": da.T @ x, "W_h": da.T @ h_prev, "b": da.sum(axis=0),
             "p": np.zeros_like(params["p"])}
    return grads, da @ params["W_x"], da @ params["W_h"], dc * f
'''

# The targets left at their defaults (right for the visible test), and a step that never
# clears the gradients, so each round adds to what the last one left.
DEFAULT_TARGETS_TRAIN_STEP = mistake("a06_gan", "train_step",
                                     ("D(fake.detach()), a, b)", "D(fake.detach()))"),
                                     ("generator_loss(D(fake), c)", "generator_loss(D(fake))"))
UNZEROED_TRAIN_STEP = mistake("a06_gan", "train_step", ("    opt_D.zero_grad()\n", ""),
                              ("    opt_G.zero_grad()\n", ""))

# a05: the chapter's printed backward pass, pasted with the new names: a Bernoulli
# decoder's gradient for the mean, nothing for the decoder's log-variance, and the
# encoder's gradients for log sigma^2 where this encoder outputs log sigma.
CHAPTER_05_BACKWARD = '''
def vae_backward(X, params, eps, activation="tanh", beta=1.0):
    _, df = ACTIVATIONS[activation]
    loss, c = forward(X, params, eps, activation, beta)
    n, grads = len(X), {}

    def linear_backward(d_out, inputs, name):
        grads[f"W_{name}"] = d_out.T @ inputs
        grads[f"b_{name}"] = d_out.sum(axis=0)
        return d_out @ params[f"W_{name}"]

    d_logits = (sigmoid(c["mean"]) - X) / n
    d_g = linear_backward(d_logits, c["g"], "mean")
    linear_backward(np.zeros_like(c["spread"]), c["g"], "spread")
    dz = linear_backward(d_g * df(c["a_dec"]), c["z"], "dec")
    logvar = 2 * c["log_sigma"]
    d_mu = dz + beta * c["mu"] / n
    d_logvar = dz * eps * 0.5 * np.exp(0.5 * logvar) + beta * 0.5 * (np.exp(logvar) - 1) / n
    d_h = (linear_backward(d_mu, c["h"], "mu")
           + linear_backward(d_logvar, c["h"], "log_sigma"))
    linear_backward(d_h * df(c["a_enc"]), X, "enc")
    return loss, grads
'''
# The tanh's derivative written in, whatever the activation: right for the visible test.
TANH_ONLY_BACKWARD = mistake("a05_vae", "vae_backward",
                             ('d_g * df(c["a_dec"])', 'd_g * (1 - c["g"] ** 2)'),
                             ('d_h * df(c["a_enc"])', 'd_h * (1 - c["h"] ** 2)'))

# One draw of the noise for the whole run: the loss still falls.
NOISE_DRAWN_ONCE = mistake("a05_vae", "train",
                           ("        eps = rng.standard_normal((len(X), d_z))\n", ""),
                           ("    state, losses = {}, []\n", "    state, losses = {}, []\n"
                            "    eps = rng.standard_normal((len(X), d_z))\n"))

# a07: the seasonal means from the whole series, future included (on a perfectly periodic
# series, the visible test's, nothing shows), or from the first `initial` values, never
# refitted.
LEAKY_ROLLING_FORECASTS = mistake("a07_evaluation", "rolling_forecasts",
                                  ("history = series[:o]", "history = series"),
                                  variant="expanding")
UNREFITTED_ROLLING_FORECASTS = mistake("a07_evaluation", "rolling_forecasts",
                                       ("history = series[:o]", "history = series[:initial]"),
                                       variant="expanding")

# Keeps every logit tied with the k-th largest, so more than k can survive.
THRESHOLD_TOP_K = '''
def top_k(logits, k):
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    logits = np.array(logits, dtype=float)
    if k >= len(logits):
        return logits
    threshold = np.sort(logits)[-k]
    logits[logits < threshold] = -np.inf
    return logits
'''
# a03's backward pass for exactly one hidden layer; {mean} is where delta2 gets its 1/m
CASES = {
    # a03: a mean where a sum belongs; the derivative taken at Z instead of tanh(Z); no
    # error for an unknown activation; chapter 03's output error pasted in (cross-entropy's,
    # which has no slope of the output); the gradient of the summed loss (delta not divided
    # by m); only the diagonal of the softmax's Jacobian; tanh whatever the activation (the
    # visible test's); gradient ascent; training that ignores the activation
    "a03_backprop/test_linear_backward_hidden": ("linear_backward", """
def linear_backward(delta, A, W):
    return delta.T @ A, delta.mean(axis=0), delta @ W
"""),
    "a03_backprop/test_activation_backward_hidden": [
        ("activation_backward", mistake("a03_backprop", "activation_backward",
                                        ("1.0 - np.tanh(Z) ** 2", "1.0 - Z ** 2"))),
        ("activation_backward", mistake("a03_backprop", "activation_backward",
                                        ('raise ValueError(f"unknown activation {activation!r}")',
                                         "return dA")))],
    "a03_backprop:sigmoid/test_loss_and_gradients_hidden": [
        ("loss_and_gradients", mistake("a03_backprop", "loss_and_gradients", (
            "(P - Y) * P * (1.0 - P) / m", "(P - Y) / m"), variant="sigmoid")),
        ("loss_and_gradients", mistake("a03_backprop", "loss_and_gradients", (
            "(1.0 - P) / m", "(1.0 - P)"), variant="sigmoid"))],
    "a03_backprop:brier/test_loss_and_gradients_hidden": [
        ("loss_and_gradients", mistake("a03_backprop", "loss_and_gradients", (
            "P * (E - np.sum(P * E, axis=1, keepdims=True)) / m", "E / m"), variant="brier")),
        ("loss_and_gradients", mistake("a03_backprop", "loss_and_gradients", (
            "P * (E - np.sum(P * E, axis=1, keepdims=True)) / m", "E * P * (1.0 - P) / m"),
            variant="brier"))],
    **{f"a03_backprop:{variant}/test_loss_and_gradients_depth_hidden": (
        "loss_and_gradients", mistake(
            "a03_backprop", "loss_and_gradients", ("f = ACTIVATIONS[activation]", "f = np.tanh"),
            ("activation_backward(dA, Z[l - 1], activation)", "activation_backward(dA, Z[l - 1])"),
            variant=variant))
       for variant in ("sigmoid", "brier")},
    "a03_backprop/test_train_hidden": [
        ("train", mistake("a03_backprop", "train", ("params[k] -= lr", "params[k] += lr"))),
        ("train", mistake("a03_backprop", "train", (
            "loss_and_gradients(params, X, y, activation)", "loss_and_gradients(params, X, y)")))],
    # a04: no bias; the derivative of tanh at the previous state; BPTT that drops the
    # gradient arriving from later steps; clipping that writes into its input
    # a04_bptt: the leak hard-coded at the visible test's 0.25; the ReLU applied before the
    # bias; chapter 04's tanh step pasted in; the leak's direct path forgotten; the tanh's
    # slope taken at h_t, which is not tanh(z_t) here; a ReLU slope of 1 everywhere
    "a04_bptt:leaky/test_rnn_step_hidden": ("rnn_step", mistake(
        "a04_bptt", "rnn_step", ("(1.0 - alpha) * h_prev + alpha * np.tanh",
                                 "0.75 * h_prev + 0.25 * np.tanh"), variant="leaky")),
    "a04_bptt:relu/test_rnn_step_hidden": ("rnn_step", mistake(
        "a04_bptt", "rnn_step", ("np.maximum(x_t @ W_xh.T + h_prev @ W_hh.T + b_h, 0.0)",
                                 "np.maximum(x_t @ W_xh.T + h_prev @ W_hh.T, 0.0) + b_h"),
        variant="relu")),
    "a04_bptt:leaky/test_rnn_step_backward_hidden": [
        ("rnn_step_backward", CHAPTER_04_RNN_STEP_BACKWARD),
        ("rnn_step_backward", mistake("a04_bptt", "rnn_step_backward", (
            "(1.0 - alpha) * dh_t + dz @ W_hh", "dz @ W_hh"), variant="leaky")),
        ("rnn_step_backward", mistake("a04_bptt", "rnn_step_backward", (
            "(1.0 - u ** 2)", "(1.0 - h_t ** 2)"), variant="leaky"))],
    "a04_bptt:relu/test_rnn_step_backward_hidden": [
        ("rnn_step_backward", CHAPTER_04_RNN_STEP_BACKWARD),
        ("rnn_step_backward", mistake("a04_bptt", "rnn_step_backward", (
            "(h_t > 0)", "(h_t >= 0)"), variant="relu"))],
    "a04_bptt/test_bptt_hidden": ("bptt", """
def bptt(X, h0, params, H, dH):
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for t in reversed(range(len(X))):
        h_prev = H[t - 1] if t > 0 else h0
        _, dh_prev, dW_xh, dW_hh, db_h = rnn_step_backward(
            dH[t], X[t], h_prev, H[t], params["W_xh"], params["W_hh"])
        grads["W_xh"] += dW_xh
        grads["W_hh"] += dW_hh
        grads["b_h"] += db_h
    grads["h0"] = dh_prev
    return grads
"""),
    "a04_bptt/test_clip_hidden": ("clip_by_global_norm", IN_PLACE_CLIP),
    # a04_lstm: the output gate's peephole on c_{t-1} instead of c_t (the visible test's
    # p_omega = 0 cannot tell); chapter 04's step pasted in (no peephole paths, and a zero
    # gradient for p); dJ/dW_h taken with h_t; the output gate's peephole path into c_t
    # forgotten; the coupled gate differentiated as if it only kept; dc_prev without the
    # forget gate's peephole; the cell state's gradient not carried back (one step, the
    # visible test, needs none)
    **{f"a04_lstm:{variant}/test_lstm_step_hidden": (
        "lstm_step", mistake("a04_lstm", "lstm_step", ("p_omega * c)", "p_omega * c_prev)"),
                             variant=variant))
       for variant in ("peephole", "coupled")},
    "a04_lstm:peephole/test_lstm_step_backward_hidden": [
        ("lstm_step_backward", CHAPTER_04_STEP_BACKWARD),
        ("lstm_step_backward", W_H_FROM_H_T),
        ("lstm_step_backward", mistake("a04_lstm", "lstm_step_backward",
                                       (" + da_omega * p_omega", ""), variant="peephole"))],
    "a04_lstm:coupled/test_lstm_step_backward_hidden": [
        ("lstm_step_backward", mistake("a04_lstm", "lstm_step_backward",
                                       ("(c_prev - g)", "c_prev"), variant="coupled")),
        ("lstm_step_backward", mistake("a04_lstm", "lstm_step_backward",
                                       ("dc * f + da_f * p_f", "dc * f"), variant="coupled"))],
    "a04_lstm/test_lstm_backward_hidden": ("lstm_backward", """
def lstm_backward(dH, caches, params):
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    dX, dh_next = [], np.zeros_like(dH[0])
    for t in reversed(range(len(caches))):
        step, dx, dh_next, dc_prev = lstm_step_backward(dH[t] + dh_next, np.zeros_like(dH[0]),
                                                        caches[t], params)
        for name in grads:
            grads[name] += step[name]
        dX.append(dx)
    return grads, np.stack(dX[::-1]), dh_next, dc_prev
"""),
    # a05: gradients divided by the batch size (a one-row visible test cannot tell); beta
    # ignored; the tanh's derivative for every activation, and the chapter's own backward
    # pass pasted; one draw of the noise for the whole run
    # a08_charlm: exp of the logits unshifted (overflows); counts incremented by fancy
    # indexing (repeated pairs count once); log P read transposed; the gradient added by
    # plain indexing (rows that share a character keep only one contribution)
    "a08_charlm/test_cross_entropy_hidden": ("cross_entropy", """
def cross_entropy(logits, targets):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.log(p[np.arange(len(targets)), targets]).mean())
"""),
    "a08_charlm:add_alpha/test_bigram_log_probs_hidden": ("bigram_log_probs", FANCY_INDEX_COUNTS),
    # a08_charlm, interpolated: a row never seen mixed with an empty bigram instead of the
    # unigram alone; the unigram counted over every character, the first included
    "a08_charlm:interpolated/test_bigram_log_probs_hidden": [
        ("bigram_log_probs", mistake("a08_charlm", "bigram_log_probs", (
            "np.where(row_totals > 0, lam * bigram + (1.0 - lam) * unigram, unigram)",
            "lam * bigram + (1.0 - lam) * unigram"), variant="interpolated")),
        ("bigram_log_probs", mistake("a08_charlm", "bigram_log_probs", (
            "np.bincount(ids[1:], minlength=V)", "np.bincount(ids, minlength=V)"),
            variant="interpolated"))],
    "a08_charlm/test_evaluate_hidden": ("evaluate", """
def evaluate(log_P, ids):
    nats = float(-log_P[ids[1:], ids[:-1]].mean())
    return {"nats": nats, "bits": nats / np.log(2.0), "perplexity": float(np.exp(nats))}
"""),
    "a08_charlm/test_train_bigram_hidden": ("train_bigram", """
def train_bigram(ids, V, steps=200, lr=50.0):
    x, y = ids[:-1], ids[1:]
    W, losses = np.zeros((V, V)), []
    for _ in range(steps):
        logits = W[x]
        losses.append(cross_entropy(logits, y))
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1.0
        grad = np.zeros_like(W)
        grad[x] += p / len(y)
        W -= lr * grad
    return W, losses
"""),
    "a05_vae:gaussian/test_decoder_nll_backward_hidden": ("decoder_nll_backward", mistake(
        "a05_vae", "decoder_nll_backward", ("return d_mean, d_spread",
                                            "return d_mean / len(x), d_spread / len(x)"),
        variant="gaussian")),
    # a05, Laplace: the Gaussian's gradients pasted in; the sign of the location's gradient
    # turned round
    "a05_vae:laplace/test_decoder_nll_backward_hidden": [
        ("decoder_nll_backward", solution("a05_vae", "decoder_nll_backward", "gaussian")),
        ("decoder_nll_backward", mistake("a05_vae", "decoder_nll_backward", (
            "np.sign(mean - x)", "np.sign(x - mean)"), variant="laplace"))],
    "a05_vae/test_latent_backward_hidden": ("latent_backward", """
def latent_backward(dz, mu, log_sigma, eps, beta=1.0):
    sigma = np.exp(log_sigma)
    return dz + mu, dz * sigma * eps + sigma ** 2 - 1.0
"""),
    "a05_vae/test_vae_backward_hidden": [("vae_backward", TANH_ONLY_BACKWARD),
                                         ("vae_backward", CHAPTER_05_BACKWARD)],
    "a05_vae/test_train_hidden": ("train", NOISE_DRAWN_ONCE),
    # a06: the targets a, b, c ignored; chapter 06's best discriminator, which has no
    # targets; chi2 finite where Q has mass and P none; the undetached training step, one
    # that ignores its targets, and one that never clears the gradients
    "a06_gan:least_squares/test_least_squares_losses_hidden": ("least_squares_losses",
                                                               FIXED_TARGET_LOSSES),
    "a06_gan:least_squares/test_optimal_discriminator_hidden": ("optimal_discriminator",
                                                                CHAPTER_D_STAR),
    "a06_gan:least_squares/test_pearson_chi2_hidden": ("pearson_chi2", """
def pearson_chi2(P, Q):
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
    mask = P > 0
    return float(np.sum((Q[mask] - P[mask]) ** 2 / P[mask]))
"""),
    "a06_gan:least_squares/test_train_step_hidden": [("train_step", UNDETACHED_TRAIN_STEP),
                                       ("train_step", DEFAULT_TARGETS_TRAIN_STEP),
                                       ("train_step", UNZEROED_TRAIN_STEP)],
    # a07: the step ignored; one mean and standard deviation for all columns; chapter 07's
    # seasonal naive with its index clipped; seasonal means that read the future, or are
    # never refitted
    # a06, hinge: the margin fixed at the visible test's 1; D* without the margin; the
    # total variation without its half; a round with the default margin, or that never
    # clears the gradients
    "a06_gan:hinge/test_hinge_losses_hidden": ("hinge_losses", mistake(
        "a06_gan", "hinge_losses", ("margin - real_scores", "1.0 - real_scores"),
        ("margin + fake_scores", "1.0 + fake_scores"), variant="hinge")),
    "a06_gan:hinge/test_optimal_discriminator_hidden": ("optimal_discriminator", mistake(
        "a06_gan", "optimal_discriminator", ("margin * np.sign", "np.sign"), variant="hinge")),
    "a06_gan:hinge/test_total_variation_hidden": ("total_variation", mistake(
        "a06_gan", "total_variation", ("0.5 * np.sum", "np.sum"), variant="hinge")),
    "a06_gan:hinge/test_train_step_hidden": [
        ("train_step", mistake("a06_gan", "train_step", ("D(fake.detach()), margin)",
                                                         "D(fake.detach()))"), variant="hinge")),
        ("train_step", mistake("a06_gan", "train_step", ("    opt_D.zero_grad()\n", ""),
                               ("    opt_G.zero_grad()\n", ""), variant="hinge"))],
    "a07_evaluation:expanding/test_rolling_origin_splits_hidden": ("rolling_origin_splits", """
def rolling_origin_splits(n, initial, horizon, step=1):
    if min(initial, horizon, step) < 1:
        raise ValueError("initial, horizon and step must be at least 1")
    return [(np.arange(o), np.arange(o, o + horizon)) for o in range(initial, n - horizon + 1)]
"""),
    "a07_evaluation/test_standardize_hidden": ("standardize", GLOBAL_STANDARDIZE),
    "a07_evaluation/test_seasonal_naive_hidden": ("seasonal_naive", """
def seasonal_naive(history, horizon, period):
    h = np.arange(1, horizon + 1)
    return history[np.minimum(len(history) - 1 - period + h, len(history) - 1)]
"""),
    "a07_evaluation:expanding/test_rolling_forecasts_hidden": [
        ("rolling_forecasts", LEAKY_ROLLING_FORECASTS),
        ("rolling_forecasts", UNREFITTED_ROLLING_FORECASTS)],
    # a07, sliding: the history that grows (the expanding variant's); a window one value
    # short; phases counted from the window's start as if it were phase 0; a window that
    # reaches into the future
    "a07_evaluation:sliding/test_rolling_origin_splits_hidden": [
        ("rolling_origin_splits", mistake("a07_evaluation", "rolling_origin_splits", (
            "np.arange(o - initial, o)", "np.arange(o)"), variant="sliding")),
        ("rolling_origin_splits", mistake("a07_evaluation", "rolling_origin_splits", (
            "np.arange(o - initial, o)", "np.arange(o - initial + 1, o)"), variant="sliding"))],
    "a07_evaluation:sliding/test_rolling_forecasts_hidden": [
        ("rolling_forecasts", mistake("a07_evaluation", "rolling_forecasts", (
            "window[(phase - start) % period::period]", "window[phase::period]"),
            variant="sliding")),
        ("rolling_forecasts", mistake("a07_evaluation", "rolling_forecasts", (
            "window = series[start:o]", "window = series[start:o + horizon]"),
            variant="sliding"))],
    # a08: a softmax without the shift, which overflows; a sampler that always takes the
    # mode; top-k that keeps ties; generation that ignores the temperature
    "a08_sampling/test_softmax_hidden": ("softmax", """
def softmax(logits, temperature=1.0):
    p = np.exp(np.asarray(logits, dtype=float) / temperature)
    return p / p.sum()
"""),
    "a08_sampling/test_sample_hidden": ("sample", GREEDY_SAMPLER),
    "a08_sampling:top_k/test_top_k_hidden": ("top_k", THRESHOLD_TOP_K),
    "a08_sampling:top_k/test_generate_hidden": ("generate", """
def generate(start, n, rng, temperature=1.0, k=None):
    text = start
    for _ in range(n):
        logits = next_logits(text[-1])
        if k is not None:
            logits = top_k(logits, k)
        text += VOCAB[sample(softmax(logits), rng)]
    return text
"""),
    # a08_sampling, min-p: an absolute bar p >= p_min, not one relative to the likeliest; the
    # bar applied to the logits as if they were probabilities; generation that ignores the
    # temperature
    "a08_sampling:min_p/test_min_p_hidden": [
        ("min_p", """
def min_p(logits, p_min):
    if not 0 < p_min <= 1:
        raise ValueError(f"p_min must be in (0, 1], got {p_min}")
    logits = np.array(logits, dtype=float)
    logits[softmax(logits) < p_min] = -np.inf
    return logits
"""),
        ("min_p", mistake("a08_sampling", "min_p", ("logits < logits.max() + np.log(p_min)",
                                                    "logits < p_min * logits.max()"),
                          variant="min_p"))],
    "a08_sampling:min_p/test_generate_hidden": ("generate", mistake(
        "a08_sampling", "generate",
        ("next_logits(text[-1]) / temperature", "next_logits(text[-1])"), variant="min_p")),
    # a09: an output size that forgets the padding (the visible test has none); the
    # stride left out of the backward pass; the kernels' channel axes not swapped (the
    # visible test has one channel); the receptive field's jump not multiplied by the
    # stride; overlapping pooling windows that overwrite one another's share
    "a09_conv:dilated/test_conv_forward_hidden": ("conv_forward", mistake(
        "a09_conv", "conv_forward", ("2 * padding - span", "- span"), variant="dilated")),
    "a09_conv:dilated/test_conv_backward_hidden": ("conv_backward", STRIDE_ONE_CONV_BACKWARD),
    "a09_conv:dilated/test_input_gradient_hidden": ("input_gradient", mistake(
        "a09_conv", "input_gradient", (".transpose(1, 0, 2, 3)", ""), variant="dilated")),
    "a09_conv:dilated/test_receptive_field_hidden": ("receptive_field", mistake(
        "a09_conv", "receptive_field", ("        jump *= S_l\n", ""), variant="dilated")),
    "a09_conv:flipped/test_conv_forward_hidden": ("conv_forward", mistake(
        "a09_conv", "conv_forward", ("2 * padding - F", "- F"), variant="flipped")),
    "a09_conv:flipped/test_conv_backward_hidden": ("conv_backward", mistake(
        "a09_conv", "conv_backward", ("stride * p", "p"), ("stride * q", "q"),
        variant="flipped")),
    "a09_conv:flipped/test_input_gradient_hidden": ("input_gradient", mistake(
        "a09_conv", "input_gradient", (".transpose(1, 0, 2, 3)", ""), variant="flipped")),
    "a09_conv:flipped/test_avg_pool_backward_hidden": ("avg_pool_backward", mistake(
        "a09_conv", "avg_pool_backward", ("dx[window] +=", "dx[window] ="),
        variant="flipped")),
    # a10: one sum over the whole array where each row is its own softmax (the visible test
    # has one row); the mask argument ignored for a hard-coded causal one; the 1/sqrt(d)
    # left out of dk; the heads split by reshaping (T, C) straight into (h, T, d), which
    # finite differences of the student's own forward pass cannot see; the window one
    # position too long
    "a10_attention/test_softmax_backward_hidden": ("softmax_backward", mistake(
        "a10_attention", "softmax_backward",
        ("(P * dP).sum(axis=-1, keepdims=True)", "(P * dP).sum()"))),
    "a10_attention/test_attention_forward_hidden": ("attention_forward",
                                                    CAUSAL_ONLY_ATTENTION),
    "a10_attention/test_attention_backward_hidden": ("attention_backward", mistake(
        "a10_attention", "attention_backward",
        ("dk = np.swapaxes(dS, -1, -2) @ q / np.sqrt(d)", "dk = np.swapaxes(dS, -1, -2) @ q"))),
    "a10_attention:causal/test_self_attention_hidden": ("self_attention", mistake(
        "a10_attention", "self_attention",
        ("(x @ W.T).reshape(T, n_head, d).transpose(1, 0, 2)", "(x @ W.T).reshape(n_head, T, d)"),
        ("O.transpose(1, 0, 2).reshape(T, C)", "O.reshape(T, C)"),
        ("(dy @ W_proj).reshape(T, n_head, d).transpose(1, 0, 2)",
         "(dy @ W_proj).reshape(n_head, T, d)"),
        ("g.transpose(1, 0, 2).reshape(T, C)", "g.reshape(T, C)"), variant="causal")),
    "a10_attention:window/test_self_attention_hidden": ("self_attention", mistake(
        "a10_attention", "self_attention", ("(back < window)", "(back <= window)"),
        variant="window")),
}


@contextlib.contextmanager
def restore_default_dtype(dtype: torch.dtype):
    """The notebooks run in this process: what one sets must not leak into later tests."""
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)


def run_hidden_test(name: str, test_id: str, answers: dict[str, str],
                    variant: str | None = None) -> None:
    """Run the source notebook (of the course's variant, or ``variant``) up to the hidden
    test ``test_id``, with ``answers`` (grade id -> code) in place of the solutions, and
    raise whatever that test raises. The test cells before it run as they do when a
    notebook is graded, their failures ignored: a hidden test may use a helper that an
    earlier one defines (a05's oracle)."""
    nb = assignments.read_source(assignments.COURSE, name, variant)
    namespace = {}
    dtype = torch.get_default_dtype()     # a04_lstm sets float64 for its own cells
    with contextlib.redirect_stdout(io.StringIO()), restore_default_dtype(dtype):
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            if meta.get("grade_id") == test_id:
                exec(cell.source, namespace)
                return
            if meta.get("grade"):
                with contextlib.suppress(Exception):
                    exec(cell.source, namespace)
                continue
            exec(answers.get(meta.get("grade_id"), cell.source), namespace)
    raise LookupError(f"{name} has no test cell {test_id}")


def test_every_hidden_test_has_a_case():
    # a case is "name/test" for a test every variant shares (run with the course's
    # variant), "name:variant/test" for a variant's own
    hidden = set()
    for name in assignments.assignment_names():
        source = nbformat.read(assignments.notebook_path(assignments.COURSE, "source", name),
                               as_version=4)
        for cell in source.cells:
            if "### BEGIN HIDDEN TESTS" in cell.source:
                variant = assignments.variant_of(cell)
                version = f"{name}:{variant}" if variant else name
                hidden.add(f"{version}/{cell.metadata['nbgrader']['grade_id']}")
    assert hidden == set(CASES)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")      # overflow in the wrong answers
@pytest.mark.parametrize("case,answer_id,wrong", [
    (case, *pair) for case, pairs in CASES.items()
    for pair in (pairs if isinstance(pairs, list) else [pairs])])
def test_the_hidden_test_fails_on_a_plausible_wrong_answer(case, answer_id, wrong):
    # (the same cell passes with the solution: nbval runs the source notebooks); a case
    # may list several wrong answers, each of which must fail
    name, test_id = case.split("/")
    name, _, variant = name.partition(":")
    with pytest.raises(AssertionError):
        run_hidden_test(name, test_id, {answer_id: wrong}, variant or None)
