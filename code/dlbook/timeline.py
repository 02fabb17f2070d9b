"""Andrej Karpathy's career and work as a small data table (chapter 01).

Each ``Event`` has a kind (which lane of the timeline it is drawn in), a start year, an
end year for spans (``None`` for a single dated item), a short label, and its source: a
key of the book's ``references.bib``, where the entry carries the link. The chapter
draws the figure from this table, and the tests check that every key exists, so a fact
cannot enter the figure without a citation.

Dates are years, as the sources give them; where a span's end is a month within a year
(Tesla, 2017 to July 2022) the year is used. The PhD runs to 2016, the date of the
thesis (August 2016), so it overlaps OpenAI's founding in December 2015. Eureka Labs
ends in 2026: joining Anthropic, he wrote that he plans to resume his work on
education "in time". A span that no source ends (Anthropic) is ``ongoing``.
"""
from __future__ import annotations

from typing import NamedTuple

KINDS = ("education", "position", "research", "teaching", "code", "essay")


class Event(NamedTuple):
    kind: str
    start: int
    end: int | None
    label: str
    source: str
    ongoing: bool = False     # a span with no known end: drawn to the figure's edge

    @property
    def years(self) -> str:
        """'2017-2022' for a span, '2024-' for an ongoing one, '2015' for a dated
        item."""
        if self.end or self.ongoing:
            return f"{self.start}-{self.end or ''}"
        return str(self.start)


EVENTS = (
    # education and positions: spans (his homepage lists them)
    Event("education", 2005, 2009, "BSc, U. of Toronto", "karpathy_homepage"),
    Event("education", 2009, 2011, "MSc, UBC", "karpathy_homepage"),
    Event("education", 2011, 2016, "PhD, Stanford", "karpathy2016thesis"),
    Event("position", 2015, 2017, "OpenAI", "openai2015introducing"),
    Event("position", 2017, 2022, "Tesla, Director of AI", "karpathy_homepage"),
    Event("position", 2023, 2024, "OpenAI", "karpathy_homepage"),
    Event("position", 2024, 2026, "Eureka Labs (paused)", "eurekalabs2024"),
    Event("position", 2026, None, "Anthropic", "karpathy2026anthropic", ongoing=True),
    # research papers he wrote or co-wrote
    Event("research", 2014, None, "video CNNs", "karpathy2014video"),
    Event("research", 2015, None, "captioning", "karpathy2015alignments"),
    Event("research", 2015, None, "visualizing RNNs", "karpathy2015visualizing"),
    Event("research", 2016, None, "DenseCap", "johnson2016densecap"),
    Event("research", 2017, None, "PixelCNN++", "salimans2017pixelcnnpp"),
    Event("research", 2017, None, "World of Bits", "shi2017wob"),
    # courses
    Event("teaching", 2015, None, "CS231n", "karpathy_homepage"),
    Event("teaching", 2022, None, "Zero to Hero", "karpathy2022zerotohero"),
    # open-source code
    Event("code", 2015, None, "char-rnn", "karpathy2015charrnn"),
    Event("code", 2020, None, "micrograd, minGPT", "karpathy2020micrograd"),
    Event("code", 2022, None, "nanoGPT", "karpathy2022nanogpt"),
    Event("code", 2024, None, "llm.c", "karpathy2024llmc"),
    Event("code", 2025, None, "nanochat", "karpathy2025nanochat"),
    # essays
    Event("essay", 2015, None, "RNN effectiveness", "karpathy2015unreasonable"),
    Event("essay", 2016, None, "backprop essay", "karpathy2016backprop"),
    Event("essay", 2017, None, "Software 2.0", "karpathy2017software2"),
    Event("essay", 2019, None, "training recipe", "karpathy2019recipe"),
)


def check_events(events=EVENTS) -> tuple[Event, ...]:
    """Validate the table: known kinds, integer years, spans that end after they
    start."""
    for event in events:
        if event.kind not in KINDS:
            raise ValueError(f"{event.label!r}: kind {event.kind!r} is not one of "
                             f"{KINDS}")
        if not isinstance(event.start, int) or event.start < 1980:
            raise ValueError(f"{event.label!r}: start must be a year, "
                             f"got {event.start!r}")
        if event.end is not None and event.end < event.start:
            raise ValueError(f"{event.label!r}: ends ({event.end}) before it starts")
        if event.ongoing and event.end is not None:
            raise ValueError(f"{event.label!r}: an ongoing span has no end, "
                             f"got {event.end}")
        if not event.source:
            raise ValueError(f"{event.label!r} has no source")
    return tuple(events)


def events_of(kind: str, events=EVENTS) -> list[Event]:
    """The events drawn in one lane, in date order."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return sorted((e for e in events if e.kind == kind),
                  key=lambda e: (e.start, e.label))


# Who wrote the papers that introduced the models of this book, and the GPT papers the
# article credits to Karpathy: (bib key, short title, year, authors' family names). The
# tests check these lists against references.bib.
ORIGINS = (
    ("elman1990finding", "Finding Structure in Time (the simple RNN)", 1990,
     ("Elman",)),
    ("hochreiter1997lstm", "Long Short-Term Memory", 1997,
     ("Hochreiter", "Schmidhuber")),
    ("kingma2014vae", "Auto-Encoding Variational Bayes", 2014, ("Kingma", "Welling")),
    ("rezende2014stochastic",
     "Stochastic Backpropagation ... in Deep Generative Models", 2014,
     ("Rezende", "Mohamed", "Wierstra")),
    ("goodfellow2014gan", "Generative Adversarial Nets", 2014,
     ("Goodfellow", "Pouget-Abadie", "Mirza", "Xu", "Warde-Farley", "Ozair",
      "Courville", "Bengio")),
    ("radford2018gpt",
     "GPT: Improving Language Understanding by Generative Pre-Training", 2018,
     ("Radford", "Narasimhan", "Salimans", "Sutskever")),
    ("radford2019gpt2", "GPT-2: Language Models are Unsupervised Multitask Learners",
     2019, ("Radford", "Wu", "Child", "Luan", "Amodei", "Sutskever")),
    ("brown2020gpt3", "GPT-3: Language Models are Few-Shot Learners", 2020,
     ("Brown", "Mann", "Ryder", "Subbiah", "Kaplan", "Dhariwal", "Neelakantan", "Shyam",
      "Sastry", "Askell", "Agarwal", "Herbert-Voss", "Krueger", "Henighan", "Child",
      "Ramesh", "Ziegler", "Wu", "Winter", "Hesse", "Chen", "Sigler", "Litwin", "Gray",
      "Chess", "Clark", "Berner", "McCandlish", "Radford", "Sutskever", "Amodei")),
)
