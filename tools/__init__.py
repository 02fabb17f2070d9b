"""The book's tooling, as a package run from the repository root: ``python -m tools.NAME``.

- ``book``: build the HTML book, both editions (the one place that spells the command)
- ``browser``: Debian's Chromium under Playwright, and a local server for a built book
- ``vendor``: the JavaScript and fonts the book serves itself
- ``notebooks``: the setup cell of every chapter, and re-execution in a fresh kernel
- ``portability``: the tests under a second numerical configuration
- ``errata``: the page that lists every erratum box
- ``i18n``: the Chinese edition's catalogs and build
- ``pdf``: the whole book as one PDF
- ``assignments``, ``grading``, ``sandbox``, ``submissions``: the autograded assignments
"""
