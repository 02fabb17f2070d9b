"""The book as one download, for readers who cannot reach Colab or the package servers.

    python -m tools.bundle [ZIP]    # after `make book`; default _build/karpathy-ideas-offline.zip

The zip holds both editions of the built site (`site/`, with the PDFs where they were
printed; open `site/index.html`, or `site/zh/index.html` for the Chinese edition), every
chapter's notebook with its outputs (`chapters/`), the package they import (`code/`,
with its shipped data and models) and the pinned requirements, so that

    pip install -r requirements.txt -e code    # from any package index, or from wheels
    jupyter lab chapters/                       # fetched once with `pip download`

runs every chapter with no network.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
DEFAULT = ROOT / "_build" / "karpathy-ideas-offline.zip"
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}
SKIP_SUFFIXES = {".gz", ".pyc"}   # the site's compressed copies are for servers only


def members(site: Path = HTML, root: Path = ROOT):
    """(path on disk, name in the zip) of everything the bundle holds."""
    if not (site / "index.html").exists() or not (site / "zh" / "index.html").exists():
        raise FileNotFoundError(f"no built book in {site}: run `make book` first")
    for path in sorted(site.rglob("*")):
        yield path, Path("site") / path.relative_to(site)
    for path in sorted((root / "chapters").glob("*.ipynb")):
        yield path, path.relative_to(root)
    for path in sorted((root / "code").rglob("*")):
        yield path, path.relative_to(root)
    for name in ("requirements.txt", "README.md"):
        yield root / name, Path(name)


def write(out: Path = DEFAULT, site: Path = HTML, root: Path = ROOT) -> Path:
    """Write the bundle to ``out``; returns it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
        for path, name in members(site, root):
            if (path.is_file() and path.suffix not in SKIP_SUFFIXES
                    and not SKIP_PARTS & set(path.parts)
                    and not any(p.endswith(".egg-info") for p in path.parts)):
                bundle.write(path, Path("karpathy-ideas") / name)
    return out


if __name__ == "__main__":
    target = write(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
    print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: "
          f"{target.stat().st_size / 1e6:.0f} MB")
