"""The chapter-01 timeline table and the chapter-11 compute table: every row has a source
in references.bib, and the plotting and arithmetic behave."""
import matplotlib
import pytest

from bibliography import entries, family_names
from dlbook import compute, plotting, timeline

matplotlib.use("Agg")
BIB = entries()


def test_every_timeline_event_cites_an_entry_of_the_bibliography():
    events = timeline.check_events()
    assert len(events) >= 20
    missing = [e.label for e in events if e.source not in BIB]
    assert not missing, missing
    assert {e.kind for e in events} == set(timeline.KINDS)


def test_the_author_lists_the_chapter_checks_are_those_of_the_bibliography():
    for key, _title, year, authors in timeline.ORIGINS:
        assert key in BIB, key
        assert tuple(family_names(BIB[key]["author"])) == authors, key
        assert int(BIB[key]["year"]) == year, key


def test_bad_events_are_refused():
    good = timeline.Event("code", 2020, None, "x", "karpathy2020micrograd")
    with pytest.raises(ValueError, match="kind"):
        timeline.check_events([good._replace(kind="hobby")])
    with pytest.raises(ValueError, match="before it starts"):
        timeline.check_events([good._replace(start=2020, end=2019)])
    with pytest.raises(ValueError, match="no source"):
        timeline.check_events([good._replace(source="")])
    with pytest.raises(ValueError, match="ongoing span has no end"):
        timeline.check_events([good._replace(end=2022, ongoing=True)])
    with pytest.raises(ValueError, match="kind must be"):
        timeline.events_of("hobby")


def test_timeline_draws_a_bar_per_span_and_a_dot_per_dated_item():
    ax = plotting.plot_timeline(timeline.EVENTS)
    spans = [e for e in timeline.EVENTS if e.end is not None or e.ongoing]
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(ax.patches) == len(spans)
    assert len(dots) == len(timeline.EVENTS) - len(spans)
    ongoing = [bar for bar in ax.patches if bar.get_hatch()]     # drawn to the edge
    assert len(ongoing) == sum(e.ongoing for e in timeline.EVENTS) >= 1
    assert all(bar.get_x() + bar.get_width() == ax.get_xlim()[1] for bar in ongoing)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert set(labels) == set(timeline.KINDS)
    matplotlib.pyplot.close(ax.figure)


def test_timeline_labels_do_not_overlap_as_chapter_01_draws_them():
    fig, ax = matplotlib.pyplot.subplots(figsize=(11, 5.5))
    plotting.plot_timeline(timeline.EVENTS, ax=ax)
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            assert not box_a.overlaps(box_b), (a, b)
    matplotlib.pyplot.close(fig)


def test_every_compute_figure_cites_an_entry_of_the_bibliography():
    assert all(run.source in BIB for run in (*compute.TRAINING_RUNS,
                                             compute.STUDY_LARGEST_RUN))
    assert all(source in BIB for _, source in compute.DOUBLING_MONTHS.values())
    years = [run.year for run in compute.TRAINING_RUNS]
    assert years == sorted(years)


def test_doubling_time_and_growth_factor_are_inverses():
    assert compute.doubling_time_months(2.0, 1.0) == pytest.approx(12.0)
    assert compute.growth_factor(3.4, 1.0) == pytest.approx(2 ** (12 / 3.4))
    for months in (3.4, 6.0, 20.0):
        factor = compute.growth_factor(months, 5.0)
        assert compute.doubling_time_months(factor, 5.0) == pytest.approx(months)
    with pytest.raises(ValueError):
        compute.doubling_time_months(0.5, 1.0)
    with pytest.raises(ValueError):
        compute.growth_factor(0.0, 1.0)


def test_an_event_writes_its_years_as_a_span_an_open_span_or_a_year():
    event = timeline.Event("position", 2017, 2022, "x", "karpathy_homepage")
    assert event.years == "2017-2022"
    assert event._replace(end=None, ongoing=True).years == "2017-"
    assert event._replace(end=None).years == "2017"
