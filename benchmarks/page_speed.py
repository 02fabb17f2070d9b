"""Every page of a built book, both editions, opened in Chromium as a reader on a slow
phone connection would (not a test; tests/test_reading.py holds the limits).

For each page: the bytes it fetches before the reader scrolls (uncompressed, and as sent
by a server that sends the stored gzip copies, tools/browser.py), and the time to its
first text or image on Chrome's "slow 4G" (150 ms, 1.6 Mbit/s; empty cache), the median
of several loads. Prints a table, then the figures as JSON on the last line.

    python -m benchmarks.page_speed [--site _build/html] [--repeat 3] [PAGE ...]
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from tools.browser import FIRST_PAINT, Fetched, chromium, serve, slow_4g
from tools.notebooks import toc_files

ROOT = Path(__file__).resolve().parents[1]
def open_page(browser, url: str) -> dict:
    """One load of `url` on slow 4G: seconds to first paint and to load, bytes fetched."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    fetched = Fetched(context, page, slow_4g(context, page))
    page.goto(url, wait_until="load")
    paint = page.evaluate(FIRST_PAINT)
    load = page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")
    decoded, sent = fetched.total()
    context.close()
    return {"first_paint_s": paint, "load_s": load / 1000, "bytes": decoded, "bytes_sent": sent}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--repeat", type=int, default=3, help="loads per page (medians)")
    parser.add_argument("pages", nargs="*", help="pages, e.g. chapters/04_rnn (default: all)")
    args = parser.parse_args()
    pages = args.pages or [f"{edition}{page}" for edition in ("", "zh/")
                           for page in toc_files() + ["search"]]
    results = {}
    with serve(args.site) as url, chromium() as browser:
        for entry in pages:
            runs = [open_page(browser, f"{url}/{entry}.html") for _ in range(args.repeat)]
            results[entry] = {key: round(statistics.median(run[key] for run in runs), 2)
                              for key in ("first_paint_s", "load_s")}
            results[entry] |= {key: runs[0][key] for key in ("bytes", "bytes_sent")}
            r = results[entry]
            print(f"{entry:34s} {r['bytes'] / 1e6:5.2f} MB ({r['bytes_sent'] / 1e6:4.2f} sent)  "
                  f"first paint {r['first_paint_s']:4.2f} s  load {r['load_s']:5.2f} s",
                  flush=True)
    worst = {key: max(r[key] for r in results.values())
             for key in ("bytes", "first_paint_s", "load_s")}
    print(f"worst: {worst['bytes'] / 1e6:.2f} MB, first paint {worst['first_paint_s']:.2f} s, "
          f"load {worst['load_s']:.2f} s")
    print(json.dumps({"pages": results, "worst": worst}))


if __name__ == "__main__":
    main()
