"""The data-only channel between the answers' and the tests' kernels (tools/channel.py),
in one process: a thread serves the "student's" functions, the test calls them through
proxies, and checks that only data crosses and that what a call does comes back."""
import copy
import socket
import threading

import numpy as np
import pytest
import torch
from torch import nn

from tools import channel

pytestmark = pytest.mark.unit


class Line(nn.Module):
    """A setup cell's model: y = a x + b."""

    def __init__(self, a=1.0):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(a))
        self.b = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        return self.a * x + self.b


class Anything(float):
    def __eq__(self, other):
        return True


def scale(x, factor=2.0):
    return x * factor


def clip_in_place(x):
    x[x > 1] = 1.0
    return None


def draw(rng):
    return rng.random()


def fill(untouched, out, rng=None):
    out[:] = rng.random(len(out))
    return float(untouched.sum())


def refuse(k):
    if k < 1:
        raise ValueError("k must be at least 1")
    return k


def anything():
    return Anything(1.0)


def mixed():
    return {"shape": (2, 3), "ids": np.arange(3), "t": torch.ones(2, dtype=torch.float64),
            "scalar": np.float32(0.5), "nan": float("nan"), 3: None}


def softplus(x):
    return torch.nn.functional.softplus(x).sum()


def detached(x):
    return x.detach() * 2


def step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    return loss.item()


STUDENT = {name: value for name, value in globals().items()
           if callable(value) and not name.startswith("_")}


@pytest.fixture
def link(tmp_path):
    path = str(tmp_path / "socket")
    tests_end = channel.Channel(path)
    names = {"scale", "clip_in_place", "draw", "fill", "refuse", "anything", "mixed", "softplus",
             "detached", "step"}
    server = threading.Thread(target=channel.serve, args=(path, names, STUDENT), daemon=True)
    server.start()
    assert tests_end.accept(10)
    channel.record_inits({"Line": Line})
    yield tests_end
    tests_end.drop()
    server.join(5)


def test_data_crosses_and_is_rebuilt(link):
    x = np.arange(6.0).reshape(2, 3)
    y = link.proxy("scale")(x, factor=3)
    assert isinstance(y, np.ndarray) and y is not x and np.array_equal(y, 3 * x)
    value = link.proxy("mixed")()
    assert value["shape"] == (2, 3) and value["ids"].dtype == np.arange(3).dtype
    assert value["t"].dtype == torch.float64 and value["scalar"].dtype == np.float32
    assert np.isnan(value["nan"]) and value[3] is None


def test_what_a_call_does_to_its_arguments_comes_back(link):
    x = np.array([0.5, 2.0, 3.0])
    link.proxy("clip_in_place")(x)
    assert x.tolist() == [0.5, 1.0, 1.0]
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    assert link.proxy("draw")(rng) == twin.random()
    assert rng.random() == twin.random()           # exactly one number was drawn there
    untouched, out = np.ones(2), np.zeros(3)       # a keyword argument changes too
    assert link.proxy("fill")(untouched, out, rng=rng) == 2.0
    assert out.tolist() == twin.random(3).tolist() and untouched.tolist() == [1.0, 1.0]
    assert rng.random() == twin.random()


def test_the_student_s_exceptions_are_python_s_own(link):
    with pytest.raises(ValueError, match="at least 1"):
        link.proxy("refuse")(0)


def test_an_object_that_equals_anything_cannot_cross(link):
    with pytest.raises(channel.ChannelError, match="cannot cross"):
        link.proxy("anything")()


def test_gradients_flow_back_through_the_student_s_graph(link):
    x = torch.tensor([-10.0, 0.0, 3.0], requires_grad=True)
    link.proxy("softplus")(x).backward()
    assert torch.allclose(x.grad, torch.sigmoid(x.detach()))
    out = link.proxy("detached")(x)
    assert not out.requires_grad                   # a detached answer gives no gradient


def test_a_training_step_there_equals_one_here(link):
    torch.manual_seed(0)
    model = Line(a=0.5)
    twin = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=0.1)
    x, y = torch.randn(16), torch.randn(16)
    for _ in range(3):                             # the second and third send handles only
        loss = link.proxy("step")(model, optimizer, x, y)
        assert loss == pytest.approx(step(twin, twin_optimizer, x, y), rel=1e-6)
    for p, q in zip(model.parameters(), twin.parameters()):
        assert torch.allclose(p, q) and torch.allclose(p.grad, q.grad)
    assert optimizer.state[model.a]["exp_avg"].item() == pytest.approx(
        twin_optimizer.state[twin.a]["exp_avg"].item())
    with torch.no_grad():                          # changed here: sent in full again
        model.a.fill_(2.0)
        twin.a.fill_(2.0)
    assert link.proxy("step")(model, optimizer, x, y) == pytest.approx(
        step(twin, twin_optimizer, x, y), rel=1e-6)
    # changes that bump no version counter, to the numbers and to a setting, are seen too
    for m, o in ((model, optimizer), (twin, twin_optimizer)):
        m.a.data.mul_(0.5)
        o.param_groups[0]["lr"] = 0.05
    assert link.proxy("step")(model, optimizer, x, y) == pytest.approx(
        step(twin, twin_optimizer, x, y), rel=1e-6)
    assert model.a.item() == pytest.approx(twin.a.item(), rel=1e-6)


def test_a_reply_that_is_not_data_fails_the_call(tmp_path):
    path = str(tmp_path / "socket")
    tests_end = channel.Channel(path)

    def liar():
        student = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        student.connect(path)
        channel.receive(student)
        channel.send(student, {"value": {"object": "__import__('os')"}, "args": None,
                               "kwargs": None, "modules": [], "optimizers": []})

    threading.Thread(target=liar, daemon=True).start()
    assert tests_end.accept(10)
    with pytest.raises(channel.ChannelError, match="not data"):
        tests_end.proxy("scale")(1.0)
