"""Convolution and max pooling, forward and backward, in NumPy (the CNN chapter).

Layout as in PyTorch: images are (N, C, H, W), a kernel bank is (C_out, C_in, F_h, F_w),
one bias per output channel. "Convolution" is the cross-correlation every framework
computes: output channel o at position (p, q) is

    y[n, o, p, q] = b[o] + sum_{c, i, j} w[o, c, i, j] * x_pad[n, c, S p + i, S q + j]

with x_pad the input padded by P zeros on each side and S the stride. Along each axis
the output has (W - F + 2P) // S + 1 positions (``output_size``).

Two versions compute the same thing:

- ``conv2d_forward_loop`` / ``conv2d_backward_loop``: the definition as nested loops
  over output positions, to read next to the equations (slow: use them on small inputs);
- ``conv2d_forward`` / ``conv2d_backward``: im2col, which copies every receptive field
  into a row of a matrix so that the convolution becomes one matrix product, and col2im,
  which adds the rows' gradients back into the positions they came from.

The backward pass, for dL/dy given: dL/db sums dL/dy over the batch and the positions;
dL/dw correlates the input with dL/dy; dL/dx sends each output's gradient back to the
inputs of its receptive field, weighted by the kernel, which for stride 1 is a "full"
convolution of dL/dy with the flipped kernel. Max pooling passes each output's gradient
to the input that was the maximum of its window (the first one, in reading order, on a
tie, as PyTorch does).
"""
from __future__ import annotations

import numpy as np

from ._checks import check_array, check_int


def output_size(size: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """Positions along one axis: (size - kernel + 2 padding) // stride + 1."""
    size = check_int("size", size, minimum=1)
    kernel = check_int("kernel", kernel, minimum=1)
    padding = check_int("padding", padding, minimum=0)
    stride = check_int("stride", stride, minimum=1)
    if kernel > size + 2 * padding:
        raise ValueError(f"a kernel of {kernel} does not fit an input of {size} padded "
                         f"by {padding} on each side")
    return (size - kernel + 2 * padding) // stride + 1


def _check_conv(x, w, b, stride, padding):
    x, w = check_array("x", x, ndim=4), check_array("w", w, ndim=4)
    b = check_array("b", b, ndim=1)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but the kernels expect "
                         f"{w.shape[1]}")
    if b.shape[0] != w.shape[0]:
        raise ValueError(f"b has {b.shape[0]} entries for {w.shape[0]} kernels")
    H_out = output_size(x.shape[2], w.shape[2], padding, stride)
    W_out = output_size(x.shape[3], w.shape[3], padding, stride)
    return x, w, b, H_out, W_out


def _pad(x: np.ndarray, padding: int) -> np.ndarray:
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def conv2d_forward_loop(x, w, b, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The convolution as its definition: one output value at a time."""
    x, w, b, H_out, W_out = _check_conv(x, w, b, stride, padding)
    N, C_out, (F_h, F_w) = x.shape[0], w.shape[0], w.shape[2:]
    x_pad = _pad(x, padding)
    y = np.zeros((N, C_out, H_out, W_out))
    for n in range(N):
        for o in range(C_out):
            for p in range(H_out):
                for q in range(W_out):
                    field = x_pad[n, :, stride * p:stride * p + F_h,
                                  stride * q:stride * q + F_w]
                    y[n, o, p, q] = np.sum(field * w[o]) + b[o]
    return y


def conv2d_backward_loop(dy, x, w, stride: int = 1, padding: int = 0):
    """dL/dx, dL/dw, dL/db for dL/dy given, one output value at a time: each output
    sends its gradient to the receptive field it read and to the kernel that read it."""
    x, w, _, H_out, W_out = _check_conv(x, w, np.zeros(len(w)), stride, padding)
    dy = check_array("dy", dy, ndim=4)
    if dy.shape != (x.shape[0], w.shape[0], H_out, W_out):
        raise ValueError(f"dy has shape {dy.shape}, the output's is "
                         f"{(x.shape[0], w.shape[0], H_out, W_out)}")
    F_h, F_w = w.shape[2:]
    x_pad = _pad(x, padding)
    dx_pad, dw = np.zeros_like(x_pad), np.zeros_like(w)
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            for p in range(H_out):
                for q in range(W_out):
                    rows = slice(stride * p, stride * p + F_h)
                    cols = slice(stride * q, stride * q + F_w)
                    dw[o] += dy[n, o, p, q] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dy[n, o, p, q] * w[o]
    dx = dx_pad[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]]
    return dx, dw, dy.sum(axis=(0, 2, 3))


def im2col(x: np.ndarray, F_h: int, F_w: int, stride: int = 1, padding: int = 0
           ) -> np.ndarray:
    """Every receptive field as a row: (N * H_out * W_out, C * F_h * F_w), rows in the
    order (n, p, q) and columns in the order (c, i, j) of a kernel flattened."""
    x = check_array("x", x, ndim=4)
    N, C, H, W = x.shape
    H_out = output_size(H, F_h, padding, stride)
    W_out = output_size(W, F_w, padding, stride)
    windows = np.lib.stride_tricks.sliding_window_view(_pad(x, padding), (F_h, F_w),
                                                       axis=(2, 3))
    # every stride-th window: (N, C, H_out, W_out, F_h, F_w), a view, no copy yet
    windows = windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(N * H_out * W_out, C * F_h * F_w)


def col2im(cols: np.ndarray, x_shape: tuple, F_h: int, F_w: int, stride: int = 1,
           padding: int = 0) -> np.ndarray:
    """The adjoint of ``im2col``: add each row's entries back to the input positions
    they were copied from (a position in several receptive fields collects all its
    shares)."""
    N, C, H, W = x_shape
    H_out = output_size(H, F_h, padding, stride)
    W_out = output_size(W, F_w, padding, stride)
    fields = cols.reshape(N, H_out, W_out, C, F_h, F_w).transpose(0, 3, 4, 5, 1, 2)
    dx_pad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for i in range(F_h):              # one strided block per kernel offset (i, j)
        for j in range(F_w):
            dx_pad[:, :, i:i + stride * H_out:stride, j:j + stride * W_out:stride] += \
                fields[:, :, i, j]
    return dx_pad[:, :, padding:padding + H, padding:padding + W]


def conv2d_forward(x, w, b, stride: int = 1, padding: int = 0):
    """The convolution by im2col, one matrix product: y (N, C_out, H_out, W_out) and
    the cache ``conv2d_backward`` needs."""
    x, w, b, H_out, W_out = _check_conv(x, w, b, stride, padding)
    N, C_out = x.shape[0], w.shape[0]
    cols = im2col(x, w.shape[2], w.shape[3], stride, padding)
    y = cols @ w.reshape(C_out, -1).T + b                      # (N * Ho * Wo, C_out)
    y = y.reshape(N, H_out, W_out, C_out).transpose(0, 3, 1, 2)
    return y, (x.shape, cols, w, stride, padding)


def conv2d_backward(dy, cache):
    """dL/dx, dL/dw, dL/db for dL/dy given, by im2col's matrices and col2im."""
    x_shape, cols, w, stride, padding = cache
    dy = check_array("dy", dy, ndim=4)
    C_out = w.shape[0]
    dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, C_out)       # (N * Ho * Wo, C_out)
    dw = (dy_rows.T @ cols).reshape(w.shape)
    dx = col2im(dy_rows @ w.reshape(C_out, -1), x_shape, w.shape[2], w.shape[3], stride,
                padding)
    return dx, dw, dy_rows.sum(axis=0)


def max_pool2d_forward(x, size: int = 2, stride: int | None = None):
    """The largest value of each size x size window (stride = size by default): y and
    the cache ``max_pool2d_backward`` needs."""
    x = check_array("x", x, ndim=4)
    size = check_int("size", size, minimum=1)
    stride = size if stride is None else check_int("stride", stride, minimum=1)
    N, C, H, W = x.shape
    H_out, W_out = output_size(H, size, 0, stride), output_size(W, size, 0, stride)
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(2, 3))
    windows = windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    flat = windows.reshape(N, C, H_out, W_out, size * size)
    first_max = flat.argmax(axis=-1)        # argmax takes the first of tied maxima
    y = np.take_along_axis(flat, first_max[..., None], axis=-1)[..., 0]
    return y, (x.shape, first_max, size, stride)


def max_pool2d_backward(dy, cache):
    """dL/dx: each output's gradient goes to the input that was its window's maximum."""
    x_shape, first_max, size, stride = cache
    dy = check_array("dy", dy, ndim=4)
    N, C, H_out, W_out = first_max.shape
    rows = np.arange(H_out)[:, None] * stride + first_max // size      # (N, C, Ho, Wo)
    cols = np.arange(W_out)[None, :] * stride + first_max % size
    dx = np.zeros(x_shape)
    n, c = np.ogrid[:N, :C]
    np.add.at(dx, (n[..., None, None], c[..., None, None], rows, cols), dy)
    return dx
