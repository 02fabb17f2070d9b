import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlbook import conv
from dlbook.gradcheck import numerical_gradient, relative_error

# (N, C_in, H, W, C_out, F_h, F_w): one channel in and out, colour-like inputs, a
# rectangular kernel, a kernel as large as the image
SHAPES = [(1, 1, 5, 5, 1, 3, 3), (2, 3, 7, 6, 4, 3, 3), (3, 2, 8, 8, 5, 2, 4),
          (1, 4, 4, 4, 2, 4, 4)]


def case(shape, seed):
    N, C, H, W, C_out, F_h, F_w = shape
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, C, H, W)), rng.standard_normal((C_out, C, F_h, F_w)),
            rng.standard_normal(C_out))


def torch_conv(x, w, b, stride, padding):
    """PyTorch's convolution on the same arrays, float64, and the gradients of
    sum(G * y) for G given."""
    x_t, w_t, b_t = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    y_t = F.conv2d(x_t, w_t, b_t, stride=stride, padding=padding)
    return x_t, w_t, b_t, y_t


@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_both_versions_equal_torch_conv2d_values_and_gradients(shape, stride, padding):
    x, w, b = case(shape, seed=sum(shape) + 10 * stride + padding)
    x_t, w_t, b_t, y_t = torch_conv(x, w, b, stride, padding)
    G = np.random.default_rng(0).standard_normal(y_t.shape)
    (y_t * torch.from_numpy(G)).sum().backward()
    expected = [x_t.grad.numpy(), w_t.grad.numpy(), b_t.grad.numpy()]

    y, cache = conv.conv2d_forward(x, w, b, stride, padding)
    y_loop = conv.conv2d_forward_loop(x, w, b, stride, padding)
    assert y.shape == y_loop.shape == tuple(y_t.shape)
    assert relative_error(y, y_t.detach().numpy()) < 1e-12
    assert relative_error(y_loop, y_t.detach().numpy()) < 1e-12
    for grads in (conv.conv2d_backward(G, cache),
                  conv.conv2d_backward_loop(G, x, w, stride, padding)):
        for got, want, name in zip(grads, expected, ("x", "w", "b")):
            assert got.shape == want.shape, name
            assert relative_error(got, want) < 1e-12, name


def test_gradients_agree_with_finite_differences():
    x, w, b = case((2, 2, 5, 5, 3, 3, 3), seed=1)
    G = np.random.default_rng(2).standard_normal((2, 3, 3, 3))

    def loss():
        return float(np.sum(G * conv.conv2d_forward(x, w, b, stride=2, padding=1)[0]))

    dx, dw, db = conv.conv2d_backward(G, conv.conv2d_forward(x, w, b, 2, 1)[1])
    for got, wrt in ((dx, x), (dw, w), (db, b)):
        assert relative_error(got, numerical_gradient(loss, wrt)) < 1e-8


def test_a_small_example_worked_by_hand():
    # a 3x3 image, a 2x2 kernel, stride 1, no padding: four outputs, each a sum of four
    # products; the input gradient of sum(y) counts how many windows cover each pixel,
    # weighted by the kernel entry that read it
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    y, cache = conv.conv2d_forward(x, w, np.array([0.5]))
    assert np.array_equal(y[0, 0], [[0 - 4 + 0.5, 1 - 5 + 0.5], [3 - 7 + 0.5, 4 - 8 + 0.5]])
    dx, dw, db = conv.conv2d_backward(np.ones_like(y), cache)
    assert np.array_equal(dx[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    assert np.array_equal(dw[0, 0], [[0 + 1 + 3 + 4, 1 + 2 + 4 + 5],
                                     [3 + 4 + 6 + 7, 4 + 5 + 7 + 8]])
    assert db.tolist() == [4.0]


def test_the_input_gradient_is_a_full_convolution_with_the_flipped_kernel():
    # stride 1: dL/dx = (dL/dy padded by F - 1) cross-correlated with the kernel turned
    # by 180 degrees, its input and output channels swapped
    x, w, b = case((2, 3, 6, 5, 4, 3, 2), seed=3)
    y, cache = conv.conv2d_forward(x, w, b)
    G = np.random.default_rng(4).standard_normal(y.shape)
    dx, _, _ = conv.conv2d_backward(G, cache)
    G_full = np.pad(G, ((0, 0), (0, 0), (2, 2), (1, 1)))
    reversed_w = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    full = conv.conv2d_forward(G_full, reversed_w, np.zeros(3))[0]
    assert relative_error(dx, full) < 1e-12


def test_output_size_formula():
    assert conv.output_size(32, 5, padding=2, stride=1) == 32     # "same" padding
    assert conv.output_size(7, 3, padding=0, stride=2) == 3
    assert conv.output_size(8, 3, padding=1, stride=2) == 4       # floor of 4.5 + 1
    for H, F_, P, S in [(28, 5, 0, 1), (9, 3, 1, 2), (10, 4, 2, 3)]:
        x = torch.zeros(1, 1, H, H)
        out = F.conv2d(x, torch.zeros(1, 1, F_, F_), padding=P, stride=S)
        assert conv.output_size(H, F_, P, S) == out.shape[-1]
    with pytest.raises(ValueError, match="does not fit"):
        conv.output_size(3, 5)


def test_stride_one_convolution_commutes_with_a_shift():
    # translation equivariance: shifting the image shifts the feature map (away from
    # the border, which padding and the image's edge affect)
    x, w, b = case((1, 2, 9, 9, 3, 3, 3), seed=5)
    shifted = np.zeros_like(x)
    shifted[:, :, 2:, 1:] = x[:, :, :-2, :-1]
    y = conv.conv2d_forward(x, w, b)[0]
    y_shifted = conv.conv2d_forward(shifted, w, b)[0]
    assert np.allclose(y_shifted[:, :, 2:, 1:], y[:, :, :-2, :-1])


def test_im2col_and_col2im_are_adjoint():
    # <im2col(x), C> = <x, col2im(C)> for any x and C: col2im is im2col's transpose
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 6, 7))
    cols = conv.im2col(x, 3, 2, stride=2, padding=1)
    C = rng.standard_normal(cols.shape)
    back = conv.col2im(C, x.shape, 3, 2, stride=2, padding=1)
    assert np.isclose(np.sum(cols * C), np.sum(x * back))


@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 1)])
def test_max_pooling_equals_torch_values_and_gradients(size, stride):
    x = np.random.default_rng(size * 10 + (stride or 0)).standard_normal((2, 3, 7, 8))
    y, cache = conv.max_pool2d_forward(x, size, stride)
    x_t = torch.tensor(x, requires_grad=True)
    y_t = F.max_pool2d(x_t, size, stride=stride)
    G = np.random.default_rng(7).standard_normal(y.shape)
    (y_t * torch.from_numpy(G)).sum().backward()
    assert np.array_equal(y, y_t.detach().numpy())
    assert np.allclose(conv.max_pool2d_backward(G, cache), x_t.grad.numpy(), atol=1e-15)


def test_max_pooling_sends_a_tie_to_the_first_maximum_as_torch_does():
    x = np.array([[[[1.0, 3.0], [3.0, 0.0]]]])
    y, cache = conv.max_pool2d_forward(x, 2)
    dx = conv.max_pool2d_backward(np.ones_like(y), cache)
    x_t = torch.tensor(x, requires_grad=True)
    F.max_pool2d(x_t, 2).sum().backward()
    assert np.array_equal(dx, x_t.grad.numpy())
    assert dx[0, 0].tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_bad_shapes_are_named():
    x, w, b = case((1, 3, 5, 5, 2, 3, 3), seed=8)
    with pytest.raises(ValueError, match="3 channels but the kernels expect 2"):
        conv.conv2d_forward(x, w[:, :2], b)
    with pytest.raises(ValueError, match="b has 1 entries for 2 kernels"):
        conv.conv2d_forward(x, w, b[:1])
    with pytest.raises(ValueError, match="4 dimension"):
        conv.conv2d_forward(x[0], w, b)
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv.conv2d_forward(x, w, b, stride=0)
