"""Training compute over time, from published figures only (chapter 13).

Two kinds of numbers, each with the ``references.bib`` key of the paper that states it:

- ``TRAINING_RUNS``: the total training compute that a model's own paper reports, in
  floating-point operations (FLOP), with the paper's publication date as a decimal year
  (``STUDY_LARGEST_RUN``: the largest run of the 2012-2018 study, as it estimates it);
- ``DOUBLING_MONTHS``: doubling times of the compute of notable training runs, as
  measured by studies of many runs.

``doubling_time_months`` and ``growth_factor`` turn between the two descriptions of
exponential growth; the chapter uses them to check the studies' own arithmetic.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np


class TrainingRun(NamedTuple):
    model: str
    year: float          # publication of the paper that reports the figure
    flop: float          # total training compute, as that paper states it
    source: str          # references.bib key


TRAINING_RUNS = (
    TrainingRun("GPT-3 175B", 2020.41, 3.14e23, "brown2020gpt3"),        # Table D.1
    TrainingRun("Llama 3 405B", 2024.58, 3.8e25, "dubey2024llama3"),     # section 1
)

# The largest run in OpenAI's "AI and Compute": AlphaGo Zero (October 2017), about 1,860
# petaflop/s-days = 1,860 * 1e15 * 86,400 FLOP; the study's 3.4-month trend ends there.
STUDY_LARGEST_RUN = TrainingRun("AlphaGo Zero", 2017.8, 1.6e23, "amodei2018compute")

# era -> (doubling time in months, source); Sevilla et al. measure 2010-2022 runs,
# OpenAI's "AI and Compute" the largest runs from 2012 to 2018.
DOUBLING_MONTHS = {
    "before deep learning (to 2010)": (20.0, "sevilla2022compute"),
    "deep learning era (2010-2022)": (6.0, "sevilla2022compute"),
    "largest runs, 2012-2018": (3.4, "amodei2018compute"),
}


def doubling_time_months(factor: float, years: float) -> float:
    """Months per doubling of a quantity that grows by ``factor`` in ``years``."""
    if factor <= 1 or years <= 0:
        raise ValueError("need growth (factor > 1) over a positive time, "
                         f"got {factor}, {years}")
    return 12.0 * years / np.log2(factor)


def growth_factor(doubling_months: float, years: float) -> float:
    """How much a quantity grows in ``years`` if it doubles every
    ``doubling_months``."""
    if doubling_months <= 0:
        raise ValueError(f"doubling time must be positive, got {doubling_months}")
    return float(2.0 ** (12.0 * years / doubling_months))
