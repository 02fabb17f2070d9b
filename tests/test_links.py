"""Every external link in the book is well-formed and points to a known host.

There is no network here, so the links cannot be fetched; instead each one must parse as
an http(s) URL and its host must be one the book has reason to link to (the sources of
its citations, the course and code hosts, the launch services). A typo in a host, or a
link to an unvetted site, fails here. references.bib is checked the same way.
"""
import re
from urllib.parse import urlparse

import pytest

from bibliography import entries
from conftest import HTML

HOSTS = {
    # papers and proceedings
    "arxiv.org", "openaccess.thecvf.com", "proceedings.mlr.press", "papers.nips.cc",
    "www.nature.com", "www.jmlr.org", "www.isca-archive.org", "dl.acm.org", "doi.org",
    # people, labs and companies cited
    "karpathy.ai", "karpathy.github.io", "karpathy.medium.com", "cs.stanford.edu",
    "cs231n.stanford.edu", "openai.com", "cdn.openai.com", "eurekalabs.ai", "aiwire.news",
    "www.linuxfoundation.org", "incompleteideas.net", "www.deeplearningbook.org", "d2l.ai",
    "nndl.github.io", "keras.io", "pypi.org", "www.coursera.org", "youtu.be",
    "archive.ics.uci.edu", "scikit-learn.org", "www.cpc.ncep.noaa.gov",
    "yann.lecun.com", "cs231n.github.io", "zh.d2l.ai", "aclanthology.org",
    "kellerjordan.github.io",
    # code and tools
    "github.com", "gist.github.com", "nbgrader.readthedocs.io",
    "otter-grader.readthedocs.io", "jupyterbook.org", "www.sphinx-doc.org",
    "pydata-sphinx-theme.readthedocs.io", "executablebooks.org", "ebp.jupyterbook.org",
    # launch buttons
    "colab.research.google.com", "mybinder.org",
}
URL = re.compile(r"^https?://[^\s<>\"'{}|\\^`]+$")


def check(url: str) -> str | None:
    """None if the URL is fine, else what is wrong with it."""
    parsed = urlparse(url)
    if not URL.match(url) or not parsed.netloc:
        return "malformed"
    if parsed.hostname not in HOSTS:
        return f"unknown host {parsed.hostname}"
    return None


def external_links(pages):
    for path, soup in pages.items():
        for tag in soup.find_all(["a", "link", "script", "img"]):
            url = tag.get("href") or tag.get("src") or ""
            if urlparse(url).scheme in ("http", "https"):
                yield path.relative_to(HTML).as_posix(), url


def test_every_external_link_in_the_book_is_well_formed_and_known(pages):
    links = list(external_links(pages))
    assert len(links) > 100
    bad = sorted({f"{page}: {url} ({problem})" for page, url in links
                  if (problem := check(url))})
    assert not bad, "\n".join(bad)


def test_every_bibliography_url_is_well_formed_and_known():
    bib = entries()
    assert len(bib) >= 80
    bad = {key: f"{e['url']} ({check(e['url'])})" for key, e in bib.items()
           if "url" in e and check(e["url"])}
    assert not bad, bad


@pytest.mark.parametrize("url, problem", [
    ("https://arxiv.org/abs/1412.2306", None),
    ("https://arxiv .org/abs/1", "malformed"),
    ("ftp://arxiv.org/x", "malformed"),
    ("https://www.automotivelikeagirl.com/post/x", "unknown host www.automotivelikeagirl.com"),
])
def test_the_link_check_itself(url, problem):
    assert check(url) == problem
