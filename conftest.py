"""Test order for `make test`, which runs two test files at a time (pytest-xdist,
`--dist loadfile --no-loadscope-reorder`, tools/portability.py): the slowest files
start first, so that the two workers finish at about the same time. Within a file the
order is kept (a notebook's cells share one kernel)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SLOWEST_FIRST = [          # about 230, 160, 120, 75, 70, 55, 35 and 35 s on 2 cores
    "tests/test_assignments.py", "chapters/08_char_rnn.ipynb", "tests/test_browser.py",
    "chapters/04_rnn.ipynb", "chapters/06_gan.ipynb",
    "chapters/03_neural_networks.ipynb", "chapters/07_project_sequences.ipynb",
    "chapters/05_vae.ipynb",
]


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.path.relative_to(ROOT).as_posix()
        last = len(SLOWEST_FIRST)
        return SLOWEST_FIRST.index(path) if path in SLOWEST_FIRST else last
    items.sort(key=rank)        # stable: the order within each file is kept
