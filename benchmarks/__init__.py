"""Scripts that measure the book's figures (speed, quality, grading time); not tests.

Run each from the repository root as ``python -m benchmarks.NAME`` (``make benchmark`` runs
them all); each prints a table, then its figures as JSON on the last line.
"""
