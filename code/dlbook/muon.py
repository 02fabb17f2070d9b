"""Muon: momentum whose update is orthogonalized before it is applied (Jordan, Jin,
Boza, You, Cesista, Newhouse and Bernstein, "Muon: An optimizer for hidden layers in
neural networks", 2024, https://kellerjordan.github.io/posts/muon/).

For a weight matrix W with gradient G, Muon keeps a Nesterov momentum M <- mu M + G,
takes U = G + mu M, and replaces U by the orthogonal matrix nearest to it: with the
singular value decomposition U = A S B^T, it steps along A B^T, every singular value
set to one. An update of AdamW or SGD is dominated by a few directions of large singular
value; the orthogonalized one moves every direction the gradient names by the same
amount, so rare directions learn as fast as common ones. Computing A B^T exactly is an
SVD; Muon instead runs five steps of a Newton-Schulz iteration, a matrix polynomial
that pushes every singular value of U / ||U|| towards one, in matrix products alone.
It lands them between about 0.5 and 1.5 rather than at one exactly, which the post
found costs nothing.

Muon is meant for the hidden matrices of a network: the token embedding, the output
head and the vectors (gains, biases) keep AdamW. ``Muon`` therefore holds both, one
optimizer for ``training.update``: each group with ``"muon": True`` is stepped by Muon,
the rest by AdamW. The update is scaled by sqrt(max(1, rows / cols)), Muon's original
scaling, so that tall matrices take proportionate steps. Differences from the post's
code: the momentum is a sum (M <- mu M + G) rather than an average, which changes U only
by a factor that the normalization removes; the iteration runs in the weights' own
precision rather than bfloat16; Muon's groups take no weight decay.
"""
from __future__ import annotations

import torch

from ._checks import check_float, check_int

# The quintic's coefficients from the post: chosen so that x -> a x + b x^3 + c x^5
# raises small singular values fast while keeping every one of them near 1.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def orthogonalize(G: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """About the orthogonal factor A B^T of G = A S B^T, by ``steps`` Newton-Schulz
    iterations X <- a X + (b X X^T + c (X X^T)^2) X from X = G / ||G||_F."""
    a, b, c = NS_COEFFICIENTS
    X = G / (G.norm() + 1e-7)                   # every singular value now at most 1
    tall = X.shape[0] > X.shape[1]
    if tall:                                    # iterate on the smaller Gram matrix
        X = X.T
    for _ in range(steps):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    return X.T if tall else X


class Muon(torch.optim.Optimizer):
    """Muon on the groups marked ``"muon": True`` (2-D weights only), AdamW on the
    others. Group keys: ``lr``; for Muon ``momentum`` (0.95); for AdamW ``betas``
    (0.9, 0.99) and ``weight_decay`` (0)."""

    def __init__(self, groups: list[dict], *, momentum: float = 0.95,
                 betas: tuple[float, float] = (0.9, 0.99), ns_steps: int = 5):
        momentum = check_float("momentum", momentum, minimum=0.0)
        self.ns_steps = check_int("ns_steps", ns_steps, minimum=1)
        for group in groups:
            if group.get("muon") and any(p.ndim != 2 for p in group["params"]):
                raise ValueError("Muon's groups must hold 2-D weight matrices only")
        super().__init__(groups, dict(lr=1e-3, muon=False, momentum=momentum,
                                      betas=betas, weight_decay=0.0))
        # AdamW steps the other groups: the same dicts, so a schedule that sets a
        # group's "lr" here sets it there too (betas and weight_decay are already set)
        self.adamw = torch.optim.AdamW(
            [g for g in self.param_groups if not g["muon"]] or [{"params": []}])

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            if not group["muon"]:
                continue
            mu = group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                M = self.state[p].setdefault("momentum", torch.zeros_like(p))
                M.mul_(mu).add_(p.grad)
                U = orthogonalize(p.grad.add(M, alpha=mu), self.ns_steps)  # Nesterov
                p.add_(U, alpha=-group["lr"] * max(1.0, p.shape[0] / p.shape[1]) ** 0.5)
        self.adamw.step()
