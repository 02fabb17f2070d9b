"""A small reader of references.bib for tests: keys, authors' family names, URLs."""
import re
from pathlib import Path

BIB = Path(__file__).resolve().parents[1] / "references.bib"
ENTRY = re.compile(r"^@(\w+)\{([^,\s]+),(.*?)^\}", re.MULTILINE | re.DOTALL)
FIELD = re.compile(r"^\s*(\w+)\s*=\s*\{(.*?)\},?\s*$", re.MULTILINE)


def entries() -> dict[str, dict[str, str]]:
    """key -> {field: value} for every entry (values as written, braces inside kept)."""
    text = BIB.read_text(encoding="utf-8")
    return {key: {**dict(FIELD.findall(body)), "type": kind}
            for kind, key, body in ENTRY.findall(text)}


def family_names(author_field: str) -> list[str]:
    """'Goodfellow, Ian and Pouget-Abadie, Jean' -> ['Goodfellow', 'Pouget-Abadie']."""
    names = [name.strip() for name in author_field.split(" and ")]
    return [re.sub(r"[{}\\\"']", "", name.split(",")[0]).strip() for name in names]
