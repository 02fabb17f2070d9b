"""How much of what the notebooks print and draw the Chinese edition shows in English.

    python -m benchmarks.chinese_outputs

Counts, over every chapter, the lines of printed output, HTML output and widget text with
words in them (outside cells tagged verbatim-output, whose quoted text stays English) and
the words drawn in figures: `english_before` as the edition showed them before the outputs'
catalog (all English), `english_after` what the catalog leaves untranslated now, and the
figures the edition shows in Chinese. Reads the notebooks; runs nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

from tools import output_labels

ROOT = Path(__file__).resolve().parents[1]


def count(nb: dict, entries: dict[str, str]) -> tuple[int, int, int]:
    """(lines and widget texts with words, figure labels) of ``nb`` that ``entries``
    leaves in English, and the Chinese pictures the notebook has."""
    translator = output_labels.Translator(entries)
    translator.missing = _Counter()
    translator.notebook(json.loads(json.dumps(nb)))
    records = [o["metadata"][output_labels.KEY]
               for o in output_labels._outputs_with_pictures(nb)]
    unlabelled = sum(len(r.get("missing", [])) for r in records)   # also counted above
    labels = sum(len(r.get("labels", [])) for r in records) + unlabelled
    return (translator.missing.n - unlabelled, unlabelled if entries else labels,
            len(records))


class _Counter(list):
    """A list that counts what is added, duplicates included."""
    n = 0

    def append(self, item):
        self.n += 1

    def __iadd__(self, items):
        self.n += len(items)
        return self


def main() -> None:
    table = output_labels.table()
    totals = {"english_lines_before": 0, "english_lines_after": 0,
              "figure_labels_before": 0, "figure_labels_after": 0, "chinese_figures": 0}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        lines_before, labels_before, pictures = count(nb, {})
        lines_after, labels_after, _ = count(nb, table)
        print(f"{path.stem:24} lines {lines_before:4} -> {lines_after:3}   figure labels "
              f"{labels_before:4} -> {labels_after:3}   Chinese figures {pictures:3}")
        totals["english_lines_before"] += lines_before
        totals["english_lines_after"] += lines_after
        totals["figure_labels_before"] += labels_before
        totals["figure_labels_after"] += labels_after
        totals["chinese_figures"] += pictures
    totals["entries"] = len(table)
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
