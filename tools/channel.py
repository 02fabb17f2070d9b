"""The data-only channel between a student's answers and the tests that grade them.

Grading runs two sandboxed kernels (tools/grading.py). The *answers' kernel* runs the
student's code; the *tests' kernel* runs the instructor's setup and test cells, and there
every function a student wrote is a proxy that sends its arguments across a Unix socket and
reads back what the student's function returned. Only data crosses: numbers, strings,
None, lists, tuples and dicts of them, NumPy arrays and scalars, PyTorch tensors, the state
of random generators, and the state (never the code) of a setup cell's `nn.Module` and of a
`torch.optim` optimiser. No pickle, no object of the student's: whatever the student's code
does to its own interpreter, the tests' kernel decodes fresh values with its own NumPy and
PyTorch and compares them there, so only the right data can pass a test.

What a function does to its arguments comes back too: an array changed in place, a
generator that drew numbers, a model and optimiser after a training step are updated in
the tests' kernel, so a test can check that an input was left alone or that exactly one
random number was drawn. A tensor that needs gradients crosses as a node of PyTorch's
autograd graph: its backward pass asks the student's kernel for the vector-Jacobian
product of the student's own graph.

This file is executed as source in both kernels (neither imports the book's tools), so it
uses only the standard library and, when they are installed, NumPy and PyTorch.
"""
import base64
import builtins
import hashlib
import json
import os
import socket
import struct
import sys
import time
import weakref

LIMIT = 256 * 2**20                    # bytes in one message
HEADER = struct.Struct("!Q")


class ChannelError(RuntimeError):
    """The student's code could not be reached, or answered with something not data."""


def _modules():
    """NumPy and PyTorch, if this kernel has them (None otherwise)."""
    return sys.modules.get("numpy"), sys.modules.get("torch")


# ---- encoding: values as JSON ---------------------------------------------------------

NUMPY_KINDS = "biufc"                  # bool, integers, floats, complex: plain numbers
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
TORCH_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
                "float64", "complex64", "complex128")


class Context:
    """The models and optimisers one call carries (sent once, referred to by index)."""

    def __init__(self, student=False):
        self.modules, self.optimizers = [], []
        self.student = student          # the answers' side: inputs may need gradients

    def index(self, items, value):
        for i, item in enumerate(items):
            if item is value:
                return i
        items.append(value)
        return len(items) - 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode(value, context=None, depth=0, pack=None):
    """``value`` as JSON-ready data; raises ChannelError for anything else. With a list
    ``pack``, tensors are appended to it and referred to by index (see pack_tensors)."""
    if depth > 50:
        raise ChannelError("the value is nested too deeply")
    if value is None or type(value) in (bool, str, int, float):
        return value
    if isinstance(value, list):
        return [encode(v, context, depth + 1, pack) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [encode(v, context, depth + 1, pack) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k, context, depth + 1, pack), encode(v, context, depth + 1, pack)]
                         for k, v in value.items()]}
    np, torch = _modules()
    if isinstance(value, str):                  # a subclass of str
        return str(value)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.kind not in NUMPY_KINDS:
            raise ChannelError(f"an array of {value.dtype} is not plain numbers")
        array = np.ascontiguousarray(value)
        return {"ndarray": array.dtype.str, "shape": list(array.shape),
                "data": _b64(array.tobytes())}
    if np is not None and isinstance(value, np.generic):
        if value.dtype.kind not in NUMPY_KINDS:
            raise ChannelError(f"a {value.dtype} is not a plain number")
        return {"scalar": value.dtype.str, "data": _b64(value.tobytes())}
    if np is not None and isinstance(value, np.random.Generator):
        return {"rng": encode(value.bit_generator.state, None, depth + 1)}
    if torch is not None:
        if isinstance(value, torch.Tensor):
            if pack is not None:
                pack.append(value)
                return {"packed": len(pack) - 1}
            return _encode_tensor(value)
        if isinstance(value, torch.Generator):
            return {"torch_rng": _encode_tensor(value.get_state())}
        if isinstance(value, torch.nn.Module) and context is not None:
            return {"module": context.index(context.modules, value)}
        if isinstance(value, torch.optim.Optimizer) and context is not None:
            return {"optimizer": context.index(context.optimizers, value)}
    raise ChannelError(f"a {type(value).__name__} cannot cross to the other kernel "
                       "(only numbers, strings, arrays, tensors and containers of them)")


def _encode_tensor(tensor):
    torch = sys.modules["torch"]
    name = str(tensor.dtype).removeprefix("torch.")
    if name not in TORCH_DTYPES:
        raise ChannelError(f"a tensor of {name} cannot cross")
    data = tensor.detach().to("cpu").contiguous()
    raw = data.reshape(-1).view(torch.uint8).numpy().tobytes() if data.numel() else b""
    return {"tensor": name, "shape": list(data.shape), "data": _b64(raw),
            "grad": bool(tensor.requires_grad)}


def _decode_bytes(text, count, itemsize):
    raw = base64.b64decode(text, validate=True)
    if len(raw) != count * itemsize:
        raise ChannelError("an array's data does not match its shape")
    return raw


def decode(data, context=None, depth=0, pack=None):
    """The value ``data`` encodes, built afresh in this kernel (tensors that were packed
    taken from the list ``pack``)."""
    if depth > 50:
        raise ChannelError("the value is nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v, context, depth + 1, pack) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ChannelError("the answer is not data")
    if "tuple" in data:
        return tuple(decode(v, context, depth + 1, pack) for v in data["tuple"])
    if "dict" in data:
        return {decode(k, context, depth + 1, pack): decode(v, context, depth + 1, pack)
                for k, v in data["dict"]}
    np, torch = _modules()
    if "ndarray" in data and np is not None:
        dtype = np.dtype(data["ndarray"])
        if dtype.kind not in NUMPY_KINDS:
            raise ChannelError("an array that is not plain numbers")
        shape = tuple(int(n) for n in data["shape"])
        count = 1
        for n in shape:
            count *= n
        raw = _decode_bytes(data["data"], count, dtype.itemsize)
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if "scalar" in data and np is not None:
        dtype = np.dtype(data["scalar"])
        if dtype.kind not in NUMPY_KINDS:
            raise ChannelError("a scalar that is not a plain number")
        return np.frombuffer(_decode_bytes(data["data"], 1, dtype.itemsize), dtype)[0]
    if "rng" in data and np is not None:
        state = decode(data["rng"], None, depth + 1)
        if state.get("bit_generator") not in BIT_GENERATORS:
            raise ChannelError("a random generator of an unknown kind")
        rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
        rng.bit_generator.state = state
        return rng
    if torch is not None:
        if "packed" in data and pack is not None:
            return pack[int(data["packed"])]
        if "tensor" in data:
            tensor = _decode_tensor(data)
            if data.get("grad") and context is not None and context.student:
                tensor.requires_grad_(tensor.is_floating_point())
            return tensor
        if "torch_rng" in data:
            generator = torch.Generator()
            generator.set_state(_decode_tensor(data["torch_rng"]))
            return generator
        if "module" in data and context is not None:
            return context.modules[int(data["module"])]
        if "optimizer" in data and context is not None:
            return context.optimizers[int(data["optimizer"])]
    raise ChannelError("the answer is not data")


def _decode_tensor(data):
    torch = sys.modules["torch"]
    if data["tensor"] not in TORCH_DTYPES:
        raise ChannelError("a tensor of an unknown type")
    dtype = getattr(torch, data["tensor"])
    shape = tuple(int(n) for n in data["shape"])
    count = 1
    for n in shape:
        count *= n
    itemsize = torch.empty((), dtype=dtype).element_size()
    raw = bytearray(_decode_bytes(data["data"], count, itemsize))
    flat = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
    return flat.reshape(shape).clone()


def pack_tensors(tensors):
    """Many tensors as one message part: their types and shapes, and their bytes in one
    string (a model's state is dozens of small tensors, each costly on its own)."""
    torch = sys.modules["torch"]
    parts, layout = [], []
    for tensor in tensors:
        name = str(tensor.dtype).removeprefix("torch.")
        if name not in TORCH_DTYPES:
            raise ChannelError(f"a tensor of {name} cannot cross")
        data = tensor.detach().to("cpu").contiguous().reshape(-1)
        parts.append(data.view(torch.uint8).numpy().tobytes() if data.numel() else b"")
        layout.append([name, list(tensor.shape)])
    return {"layout": layout, "data": _b64(b"".join(parts))}


def unpack_tensors(packed):
    torch = sys.modules["torch"]
    raw = base64.b64decode(packed["data"], validate=True)
    tensors, offset = [], 0
    for name, shape in packed["layout"]:
        if name not in TORCH_DTYPES:
            raise ChannelError("a tensor of an unknown type")
        dtype = getattr(torch, name)
        count = 1
        for n in shape:
            count *= int(n)
        size = count * torch.empty((), dtype=dtype).element_size()
        if offset + size > len(raw):
            raise ChannelError("packed tensors shorter than their shapes")
        chunk = bytearray(raw[offset:offset + size])
        flat = torch.frombuffer(chunk, dtype=dtype) if size else torch.empty(0, dtype=dtype)
        tensors.append(flat.reshape([int(n) for n in shape]))
        offset += size
    if offset != len(raw):
        raise ChannelError("packed tensors longer than their shapes")
    return tensors


# ---- models and optimisers: their state, not their code --------------------------------

def module_state(module):
    """A model's class (a setup cell's), how it was built, and its numbers."""
    if not hasattr(module, "_channel_init"):
        raise ChannelError(f"a {type(module).__name__} that a setup cell did not define")
    values = module.state_dict()
    grads = {name: p.grad for name, p in module.named_parameters() if p.grad is not None}
    return {"class": type(module).__name__, "init": encode(module._channel_init),
            "training": module.training, "values": list(values), "grads": list(grads),
            "tensors": pack_tensors(list(values.values()) + list(grads.values()))}


def build_module(state, namespace):
    """The student's side: a model of the named setup class, with the state sent."""
    args, kwargs = decode(state["init"])
    module = namespace[state["class"]](*args, **kwargs)
    module._channel_init = (args, kwargs)
    set_module_state(module, state)
    return module


def set_module_state(module, state):
    torch = sys.modules["torch"]
    tensors = unpack_tensors(state["tensors"])
    values = dict(zip(state["values"], tensors))
    grads = dict(zip(state["grads"], tensors[len(state["values"]):]))
    with torch.no_grad():
        for name, target in module.state_dict(keep_vars=True).items():
            target.copy_(values[name])
        for name, p in module.named_parameters():
            p.grad = grads[name].to(p.dtype) if name in grads else None
    module.train(bool(state["training"]))


def optimizer_state(optimizer, modules):
    """An optimiser's class (from torch.optim), settings and state; its parameters as
    (model index, parameter name) among the models the same call carries."""
    torch = sys.modules["torch"]
    kind = type(optimizer).__name__
    if getattr(torch.optim, kind, None) is not type(optimizer):
        raise ChannelError(f"a {kind}: only torch.optim's own optimisers can cross")
    refs = _parameters(optimizer, modules)
    # read directly, not through state_dict(), whose first call imports torch._dynamo
    # (seconds); the per-parameter state in the order of the parameters above
    settings = [{k: v for k, v in g.items() if k != "params"} | {"params": len(g["params"])}
                for g in optimizer.param_groups]
    tensors = []
    saved = encode([settings, [optimizer.state.get(p, {}) for group in optimizer.param_groups
                               for p in group["params"]]], pack=tensors)
    return {"class": kind, "params": refs, "state": saved, "tensors": pack_tensors(tensors)}


def _parameters(optimizer, modules):
    """An optimiser's parameters as (model index, parameter name) among ``modules``."""
    where = {id(p): [i, name] for i, m in enumerate(modules)
             for name, p in m.named_parameters()}
    refs = []
    for group in optimizer.param_groups:
        for p in group["params"]:
            if id(p) not in where:
                raise ChannelError("an optimiser whose parameters belong to no model "
                                   "passed in the same call")
            refs.append(where[id(p)])
    return refs


def set_optimizer_state(optimizer, state):
    """Settings and per-parameter state (as optimizer_state sends them) into ``optimizer``."""
    settings, states = decode(state["state"], pack=unpack_tensors(state["tensors"]))
    params = [p for group in optimizer.param_groups for p in group["params"]]
    if [g["params"] for g in settings] != [len(g["params"]) for g in optimizer.param_groups]:
        raise ChannelError("an optimiser's parameter groups changed shape")
    for group, setting in zip(optimizer.param_groups, settings):
        group.update({k: v for k, v in setting.items() if k != "params"})
    optimizer.state.clear()
    for p, values in zip(params, states, strict=True):
        if values:
            optimizer.state[p] = values


def build_optimizer(state, modules):
    torch = sys.modules["torch"]
    params = iter([dict(modules[i].named_parameters())[name] for i, name in state["params"]])
    settings, _ = decode(state["state"], pack=unpack_tensors(state["tensors"]))
    groups = [{**{k: v for k, v in g.items() if k != "params"},
               "params": [next(params) for _ in range(g["params"])]} for g in settings]
    optimizer = getattr(torch.optim, state["class"])(groups)
    set_optimizer_state(optimizer, state)
    return optimizer


# ---- framing ---------------------------------------------------------------------------

def send(connection, message):
    payload = json.dumps(message, allow_nan=True).encode()
    if len(payload) > LIMIT:
        raise ChannelError(f"a message of {len(payload)} bytes, over the {LIMIT} allowed")
    connection.sendall(HEADER.pack(len(payload)) + payload)


def receive(connection):
    """One message, or None when the other side has closed."""
    header = _exactly(connection, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > LIMIT:
        raise ChannelError(f"a message of {size} bytes, over the {LIMIT} allowed")
    payload = _exactly(connection, size)
    if payload is None:
        return None
    return json.loads(payload)


def _exactly(connection, size):
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 2**20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# ---- the student's side ----------------------------------------------------------------

def serve(path, names, namespace):
    """Answer calls of the functions ``names`` in ``namespace`` until the tests hang up."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(200):
        try:
            connection.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    graphs = {}                        # call id -> (inputs, outputs) kept for backward
    objects = {}                       # handle -> model or optimiser, kept between calls
    while True:
        request = receive(connection)
        if request is None:
            return
        try:
            if "backward" in request:
                reply = _backward(graphs[request["backward"]], request["grads"])
            else:
                reply = _call(request, names, namespace, graphs, objects)
        except BaseException as error:          # noqa: BLE001 (reported, like a test would)
            reply = {"error": type(error).__name__, "message": str(error)[:1000]}
        send(connection, reply)


def _call(request, names, namespace, graphs, objects):
    if request["call"] not in names:
        raise ChannelError(f"{request['call']} is not an answer")
    context = Context(student=True)
    for state in request["modules"]:
        module = objects.get(state["handle"])
        if "tensors" in state:                  # sent in full: (re)build or update it
            if module is None or type(module).__name__ != state["class"]:
                module = build_module(state, namespace)
            else:
                set_module_state(module, state)
        objects[state["handle"]] = module
        context.modules.append(module)
    for state in request["optimizers"]:
        params = [dict(context.modules[i].named_parameters())[name]
                  for i, name in state["params"]]
        if "tensors" in state:
            optimizer = build_optimizer(state, context.modules)
        else:
            optimizer = objects[state["handle"]]
            mine = [p for group in optimizer.param_groups for p in group["params"]]
            if len(mine) != len(params) or any(a is not b for a, b in zip(mine, params)):
                raise ChannelError("an optimiser kept from an earlier call lost its models")
        objects[state["handle"]] = optimizer
        context.optimizers.append(optimizer)
    args = decode(request["args"], context)
    kwargs = decode(request["kwargs"], context)
    inputs = [t for t in _tensors((args, kwargs)) if t.is_floating_point() and t.requires_grad]
    value = namespace[request["call"]](*args, **kwargs)
    returned = _tensors(value)
    positions = [i for i, t in enumerate(returned) if t.requires_grad and t.grad_fn is not None]
    reply = {"value": encode(value),
             # only the arguments the call changed (most calls change none): [position or
             # keyword, what it is now] for each
             "args": [[i, now] for i, (now, then) in enumerate(
                 zip(encode(args, context), request["args"])) if now != then],
             "kwargs": [[key, now] for key, now in
                        zip(kwargs, encode(list(kwargs.values()), context))
                        if now != _kwarg(request["kwargs"], key)],
             "modules": [module_state(m) for m in context.modules],
             "optimizers": [optimizer_state(o, context.modules) for o in context.optimizers]}
    if inputs and positions:
        graphs[len(graphs)] = (inputs, [returned[i] for i in positions])
        reply["graph"] = {"id": len(graphs) - 1, "outputs": positions}
    return reply


def _kwarg(encoded, key):
    """The encoding of keyword argument ``key`` in an encoded kwargs dict."""
    for k, v in encoded["dict"]:
        if k == key:
            return v
    return None


def _backward(graph, grads):
    torch = sys.modules["torch"]
    inputs, outputs = graph
    grads = [decode(g) for g in grads]
    pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
    found = torch.autograd.grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                                retain_graph=True, allow_unused=True)
    return {"grads": [None if g is None else _encode_tensor(g) for g in found]}


def _tensors(value):
    """The tensors in a value, in a fixed order (tuples, lists and dict values)."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


# ---- the tests' side -------------------------------------------------------------------

class Channel:
    """The tests' end: listens on ``path``; ``proxy(name)`` calls the student's function."""

    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        os.chmod(path, 0o777)           # the answers' kernel may run as another user
        self.listener.listen(1)
        self.connection = None
        self.deadline = None            # set before each cell by the grader
        # id -> [weak reference, handle, digest of the state the answers' side holds]:
        # a model or optimiser unchanged since the last call is not sent again
        self.sent = {}
        self.handles = 0

    def ready(self):
        return self.connection is not None

    def accept(self, seconds):
        self.drop()
        self.listener.settimeout(seconds)
        try:
            self.connection, _ = self.listener.accept()
        except OSError:
            self.connection = None
        return self.ready()

    def drop(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = None

    def exchange(self, request):
        if self.connection is None:
            raise ChannelError("the answers' kernel is not running (it stopped earlier)")
        left = None if self.deadline is None else self.deadline - time.time()
        if left is not None and left <= 0:
            self.drop()
            raise TimeoutError("the answers ran out of time")
        self.connection.settimeout(left)
        try:
            send(self.connection, request)
            reply = receive(self.connection)
        except (TimeoutError, socket.timeout):
            self.drop()
            raise TimeoutError("the answer ran past the time limit") from None
        except OSError as error:
            self.drop()
            raise ChannelError(f"the answers' kernel stopped ({error})") from None
        if reply is None:
            self.drop()
            raise ChannelError("the answers' kernel stopped (over a limit?)")
        return reply

    def proxy(self, name):
        channel = self

        def call(*args, **kwargs):
            return channel.call(name, args, kwargs)

        call.__name__ = call.__qualname__ = name
        call.__doc__ = f"The student's {name}, run in the answers' kernel."
        return call

    def _entry(self, value):
        entry = self.sent.get(id(value))
        if entry is None or entry[0]() is not value:       # new, or a new object's id
            entry = self.sent[id(value)] = [weakref.ref(value), self.handles, None]
            self.handles += 1
        return entry

    def _states(self, context):
        """The models' and optimisers' states to send: a handle alone for one that the
        answers' side holds as it is; in full otherwise, and for an optimiser whose model
        is new there."""
        modules, new = [], set()
        for i, module in enumerate(context.modules):
            entry = self._entry(module)
            new |= {i} if entry[2] is None else set()
            modules.append({"handle": entry[1]} if entry[2] == _fingerprint(module)
                           else {**module_state(module), "handle": entry[1]})
        optimizers = []
        for optimizer in context.optimizers:
            entry, refs = self._entry(optimizer), _parameters(optimizer, context.modules)
            if entry[2] == _fingerprint(optimizer) and not new & {i for i, _ in refs}:
                optimizers.append({"handle": entry[1], "params": refs})
            else:
                optimizers.append({**optimizer_state(optimizer, context.modules),
                                   "handle": entry[1]})
        return modules, optimizers

    def call(self, name, args, kwargs):
        context = Context()
        request = {"call": name, "args": encode(list(args), context),
                   "kwargs": encode(kwargs, context)}
        request["modules"], request["optimizers"] = self._states(context)
        reply = self.exchange(request)
        if "error" in reply:
            raise _student_error(name, reply)
        try:
            value = decode(reply["value"])
            for i, now in reply["args"]:
                _write_back(args[int(i)], decode(now, context))
            for key, now in reply["kwargs"]:
                _write_back(kwargs[str(key)], decode(now, context))
            for module, state in zip(context.modules, reply["modules"]):
                set_module_state(module, state)
                self._entry(module)[2] = _fingerprint(module)
            for optimizer, state in zip(context.optimizers, reply["optimizers"]):
                set_optimizer_state(optimizer, state)
                self._entry(optimizer)[2] = _fingerprint(optimizer)
        except ChannelError:
            raise
        except Exception as error:                  # noqa: BLE001 (malformed reply)
            raise ChannelError(f"{name} answered with something that is not data "
                               f"({type(error).__name__})") from None
        if "graph" in reply:
            value = self._attach(value, reply["graph"], (args, kwargs))
        return value

    def _attach(self, value, graph, inputs):
        """Connect the returned tensors to the inputs in autograd: the backward pass asks
        the student's kernel for the product with its own graph's Jacobian."""
        torch = sys.modules["torch"]
        leaves = [t for t in _tensors(inputs) if t.is_floating_point() and t.requires_grad]
        returned = _tensors(value)
        outputs = [returned[i] for i in graph["outputs"]]
        channel = self

        class Remote(torch.autograd.Function):
            @staticmethod
            def forward(ctx, *tensors):
                return tuple(t.clone() for t in outputs)

            @staticmethod
            def backward(ctx, *grads):
                reply = channel.exchange({"backward": graph["id"],
                                          "grads": [_encode_tensor(g) for g in grads]})
                if "error" in reply:
                    raise _student_error("the backward pass", reply)
                found = [decode(g) for g in reply["grads"]]
                return tuple(torch.zeros_like(x) if g is None else g.to(x.dtype)
                             for x, g in zip(leaves, found))

        attached = iter(Remote.apply(*leaves))
        return _replace_tensors(value, outputs, attached)


def _replace_tensors(value, outputs, attached):
    torch = sys.modules["torch"]
    if isinstance(value, torch.Tensor):
        return next(attached) if any(value is o for o in outputs) else value
    if isinstance(value, list):
        return [_replace_tensors(v, outputs, attached) for v in value]
    if isinstance(value, tuple):
        return tuple(_replace_tensors(v, outputs, attached) for v in value)
    if isinstance(value, dict):
        return {k: _replace_tensors(v, outputs, attached) for k, v in value.items()}
    return value


def _fingerprint(value):
    """What identifies a model's or optimiser's state, read from the object itself (its
    numbers' bytes, not their encoding: this runs twice per call and per object)."""
    torch = sys.modules["torch"]
    digest, layout = hashlib.sha1(), []

    def add(name, tensor):
        data = tensor.detach()
        try:
            digest.update(data.numpy())           # a contiguous CPU array: no copy
        except (TypeError, ValueError, RuntimeError):   # bfloat16, strided, elsewhere
            digest.update(data.to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy())
        layout.append((name, tensor.dtype, tuple(tensor.shape)))

    if isinstance(value, torch.nn.Module):
        layout.append(value.training)
        for name, tensor in value.state_dict(keep_vars=True).items():
            add(name, tensor)
        for name, parameter in value.named_parameters():
            if parameter.grad is not None:
                add(f"grad {name}", parameter.grad)
    else:
        for group in value.param_groups:
            layout.append(sorted((k, v) for k, v in group.items() if k != "params"))
            for parameter in group["params"]:
                for key, item in sorted(value.state.get(parameter, {}).items()):
                    if isinstance(item, torch.Tensor):
                        add(key, item)
                    else:
                        layout.append((key, item))
    digest.update(repr(layout).encode())
    return digest.hexdigest()


def _student_error(name, reply):
    """The student's exception as one of Python's own (so `pytest.raises(ValueError)` and
    `except ValueError` in a test work), or ChannelError."""
    kind = getattr(builtins, str(reply.get("error")), None)
    message = f"{reply.get('error')} in {name}: {str(reply.get('message', ''))[:300]}"
    if isinstance(kind, type) and issubclass(kind, Exception):
        return kind(message)
    return ChannelError(message)


def _write_back(originals, updated):
    """Apply in place what the student's function did to its arguments."""
    np, torch = _modules()
    if isinstance(originals, list) and isinstance(updated, list):
        for i, (a, b) in enumerate(zip(originals, updated)):
            if _write_back(a, b) is False:
                originals[i] = b
        del originals[len(updated):]
        originals.extend(updated[len(originals):])
        return True
    if isinstance(originals, dict) and isinstance(updated, dict):
        for key in list(originals):
            if key not in updated:
                del originals[key]
        for key, b in updated.items():
            if key not in originals or _write_back(originals[key], b) is False:
                originals[key] = b
        return True
    if isinstance(originals, tuple) and isinstance(updated, tuple):
        for a, b in zip(originals, updated):
            _write_back(a, b)
        return True
    if np is not None and isinstance(originals, np.ndarray):
        if (isinstance(updated, np.ndarray) and updated.shape == originals.shape
                and originals.tobytes() != updated.astype(originals.dtype).tobytes()):
            if originals.flags.writeable:
                np.copyto(originals, updated, casting="unsafe")
        return True
    if np is not None and isinstance(originals, np.random.Generator):
        if isinstance(updated, np.random.Generator):
            originals.bit_generator.state = updated.bit_generator.state
        return True
    if torch is not None and isinstance(originals, torch.Tensor):
        if (isinstance(updated, torch.Tensor) and updated.shape == originals.shape
                and not torch.equal(originals.detach(), updated)):
            with torch.no_grad():
                originals.copy_(updated)
        return True
    if torch is not None and isinstance(originals, torch.Generator):
        if isinstance(updated, torch.Generator):
            originals.set_state(updated.get_state())
        return True
    if isinstance(originals, (torch.nn.Module, torch.optim.Optimizer) if torch else ()):
        return True                     # their state came back separately
    return False                        # immutable: nothing to write back


def record_inits(namespace):
    """Remember how each model of a setup class is built, so that the student's side can
    build the same one (called by the grader after each setup cell)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return
    for value in list(namespace.values()):
        if (isinstance(value, type) and issubclass(value, torch.nn.Module)
                and "_channel_wrapped" not in vars(value)):
            original = value.__init__

            def __init__(self, *args, __original=original, **kwargs):
                if "_channel_init" not in vars(self):      # the class built, not a base
                    self._channel_init = (list(args), kwargs)
                __original(self, *args, **kwargs)

            value.__init__ = __init__
            value._channel_wrapped = True
