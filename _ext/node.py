"""The book's build steps that run in Node.js (web/typeset.js, web/purge.js): each reads
JSON on stdin and writes its answer on stdout."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, payload, doing: str) -> str:
    """Run web/`script` with `payload` as JSON on stdin; returns its stdout. `doing` names
    the step in the error that stops the build if Node is missing or the script fails."""
    node = shutil.which("node")
    if node is None:
        raise ExtensionError(f"Node.js is needed for {doing}: apt-get install nodejs")
    done = subprocess.run([node, str(ROOT / "web" / script)], input=json.dumps(payload),
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise ExtensionError(f"{doing} failed:\n{done.stderr[-2000:]}")
    return done.stdout
