"""What a student handed in, turned into the notebook that is graded.

A submission is never graded as it is. Its answers are taken out (the code of each answer
cell, found by the cell's grade id, or, when the notebook lost its nbgrader metadata, by the
function the answer defines; the text of each written answer, by its grade id) and put into
a fresh copy of the instructor's source notebook.
Tests, helpers, setup cells and metadata all come from the source; nothing else the student
wrote reaches the kernel. Each answer is read before it runs, and code that reaches the
interpreter or patches shared modules is flagged for an instructor to review.
"""
from __future__ import annotations

import ast
import builtins
import copy
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ANSWER_STUB = "raise NotImplementedError()"
WRITTEN_STUB = "YOUR ANSWER HERE"          # nbgrader's text in a written answer's cell
# Modules an answer may import: what the assignments use, and harmless standard ones.
ALLOWED_IMPORTS = {"numpy", "torch", "math", "itertools", "functools", "collections",
                   "random", "statistics", "typing", "dataclasses"}
# Names that reach the interpreter, the file system or other processes.
FORBIDDEN_NAMES = {"get_ipython", "exec", "eval", "compile", "open", "globals", "locals",
                   "vars", "dir", "getattr", "setattr", "delattr", "__import__",
                   "breakpoint", "input", "memoryview", "exit", "quit", "help"}
MAX_BYTES = 32 * 2**20                    # a notebook larger than this is not read
NOT_READ = "was not read"                 # in the note on a submission refused unread
# Colab's "Copy of x.ipynb", a browser's "x (1).ipynb", a checkpoint's "x-checkpoint.ipynb".
COPY_NAME = re.compile(r"^(?:copy of )*(.*?)(?:[ _-]?\(\d+\))?(?:-checkpoint)?$", re.I)


@dataclass
class Rebuilt:
    """The notebook to grade, and what rebuilding it found."""
    nb: object | None
    notes: list[str] = field(default_factory=list)   # for the student and the instructor
    flags: list[str] = field(default_factory=list)   # needs review before a score counts


def plain_file(path: Path) -> bool:
    """A regular file itself: not a link (to a classmate's notebook, the source or
    /dev/zero), a pipe that would hang the batch, or a device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def plain_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, read without following a link or blocking on a pipe; OSError if
    it is not a regular file or is larger than ``limit``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise OSError(f"{path.name} has {info.st_size} bytes, over {limit}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def find_notebook(folder: Path, name: str) -> tuple[Path | None, list[str]]:
    """The student's notebook for assignment ``name`` in ``folder`` (their submission
    folder): the exact name, or else the one notebook whose name is a copy's of it.
    Only regular files in real folders count: a link, a pipe or a device is refused."""
    if not plain_folder(folder):
        if os.path.lexists(folder):
            return None, [f"{folder.name} is not a folder (a link?): nothing in it {NOT_READ}"]
        return None, []
    exact = folder / f"{name}.ipynb"
    if plain_file(exact):
        return exact, []
    if os.path.lexists(exact):
        return None, [f"{exact.name} is not a regular file (a link, a pipe or a device): "
                      f"it {NOT_READ}"]
    candidates = []
    for root, folders, files in os.walk(folder):         # links to folders are not entered
        folders[:] = [f for f in folders if f != ".ipynb_checkpoints"]
        for file in files:
            path = Path(root) / file
            if (path.suffix == ".ipynb" and plain_file(path)
                    and COPY_NAME.match(path.stem).group(1).strip().lower() == name.lower()):
                candidates.append(path)
    candidates.sort()
    if len(candidates) == 1:
        return candidates[0], [f"graded the notebook named {candidates[0].name!r}"]
    if len(candidates) > 1:
        return None, ["several notebooks could be this assignment: "
                      + ", ".join(p.name for p in candidates)]
    return None, []


def answer_cells(source) -> list[tuple[int, str, set[str]]]:
    """(index, grade id, names it must define) of each answer cell of a source notebook."""
    cells = []
    for index, cell in enumerate(source.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            cells.append((index, meta["grade_id"], defined_names(cell.source)))
    return cells


def defined_names(code: str) -> set[str]:
    """The names a cell's top level binds (functions, classes, variables, imports)."""
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        else:
            for target in ast.walk(node):
                if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                    names.add(target.id)
    return names


def _student_answers(student, grade_ids: list[str], functions: dict[str, set[str]],
                     notes: list[str]) -> dict[str, str]:
    """The code of each answer, by grade id; failing that, by the function it defines."""
    by_id: dict[str, list[str]] = {}
    for cell in student.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in grade_ids:
            by_id.setdefault(grade_id, []).append(cell.source)
    answers = {}
    for grade_id in grade_ids:
        copies = by_id.get(grade_id, [])
        if len(copies) > 1:
            notes.append(f"answer {grade_id!r} appears in {len(copies)} cells; graded the "
                         "last, as running the notebook top to bottom would use it")
        if copies:
            answers[grade_id] = copies[-1]
            continue
        # metadata lost (answers pasted into a new notebook): find the definition instead
        wanted = functions[grade_id]
        found = [cell.source for cell in student.cells
                 if cell.cell_type == "code" and wanted & _top_level_defs(cell.source)]
        if found:
            answers[grade_id] = found[-1]
            notes.append(f"answer {grade_id!r} was found by its function name "
                         "(the notebook lost its grading metadata)")
    return answers


def _top_level_defs(code: str) -> set[str]:
    try:
        return {n.name for n in ast.parse(code).body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    except SyntaxError:
        return set()


def review(code: str, provided: set[str]) -> list[str]:
    """Why an answer needs an instructor's eyes before its score counts, if it does.

    ``provided`` are the names the source notebook defines outside the answers (helpers,
    imports, test variables): an answer that rebinds one changes what the tests see.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        if "%" in code or "!" in code:
            return ["uses IPython magics or shell commands"]
        return []               # a plain syntax error: the cell fails when it runs
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"uses `{node.id}`")
        elif isinstance(node, ast.Name) and node.id.startswith("__"):
            found.append(f"uses `{node.id}`")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            found.append(f"uses the attribute `{node.attr}`")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""])
            for module in modules:
                if module.split(".")[0] not in ALLOWED_IMPORTS:
                    found.append(f"imports `{module}`")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            found.append(f"declares `{', '.join(node.names)}` global")
    found += _patches(tree)
    for name in sorted(_module_level_bindings(tree)):
        if name in provided:
            found.append(f"redefines `{name}`, which the assignment provides")
        elif hasattr(builtins, name):
            found.append(f"redefines the built-in `{name}`")
    return list(dict.fromkeys(found))


def _patches(tree) -> list[str]:
    """Assignments to an attribute of anything but a local variable, e.g. `np.allclose = f`
    (the answer's own objects, such as `self.w = ...` or `p.grad = None`, are fine)."""
    scope_of = {}                       # node -> the function (or module) it belongs to
    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            scope_of[child] = scope
            visit(child, child if isinstance(child, FUNCTIONS) else scope)
    visit(tree, tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = node.value
            while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
                base = base.func if isinstance(base, ast.Call) else base.value
            if not (isinstance(base, ast.Name) and base.id in _locals(scope_of[node])):
                found.append(f"assigns to `{ast.unparse(node)}`")
    return found


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _locals(scope) -> set[str]:
    """A function's parameters and the names it assigns (none for the module)."""
    if isinstance(scope, ast.Module):
        return set()
    names = {n.arg for n in ast.walk(scope.args) if isinstance(n, ast.arg)}
    return names | {n.id for n in ast.walk(scope)
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _module_level_bindings(tree) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            continue            # allowed modules only (checked above): the real objects
        elif not isinstance(node, ast.Expr):
            names |= {n.id for n in ast.walk(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                      and not _inside_function(n, node)}
    return names


def _inside_function(name_node, statement) -> bool:
    for node in ast.walk(statement):
        if isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if any(n is name_node for n in ast.walk(node)):
                return True
    return False


def rebuild(path: Path, source) -> Rebuilt:
    """The graded notebook: ``source`` (the instructor's, with every test) holding the
    answers found in the student's notebook at ``path``."""
    try:
        student = nbformat.reads(read_bytes(path).decode("utf-8"), as_version=4)
    except (OSError, ValueError, json.JSONDecodeError, UnicodeDecodeError, KeyError,
            AttributeError, TypeError) as error:
        return Rebuilt(None, notes=[f"the notebook cannot be read: {type(error).__name__}"])
    answers_at = answer_cells(source)
    functions = {grade_id: names for _, grade_id, names in answers_at}
    provided = set()            # what the setup and helper cells define (not the tests)
    for index, cell in enumerate(source.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("solution") and not meta.get("grade"):
            provided |= defined_names(cell.source)
    notes: list[str] = []
    answers = _student_answers(student, list(functions), functions, notes)
    nb = copy.deepcopy(source)
    for index, cell in enumerate(source.cells):          # written answers, graded by hand
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution"):
            written = [c.source for c in student.cells if c.cell_type == "markdown"
                       and c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                       == meta["grade_id"]]
            nb.cells[index].source = written[-1] if written else WRITTEN_STUB
            if not written:
                notes.append(f"no written answer for {meta['grade_id']!r}")
    flags = []
    for index, grade_id, _ in answers_at:
        code = answers.get(grade_id)
        if code is None:
            notes.append(f"no answer for {grade_id!r}")
            code = _stub(source.cells[index].source)
        for reason in review(code, provided - functions[grade_id]):
            flags.append(f"{grade_id}: {reason}")
        nb.cells[index].source = code
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return Rebuilt(nb, notes, flags)


def _stub(solution_source: str) -> str:
    """The student version of an answer cell (what nbgrader's generate step writes)."""
    return re.sub(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION\n?",
                  lambda m: f"{m.group(1)}# YOUR CODE HERE\n{m.group(1)}{ANSWER_STUB}\n",
                  solution_source, flags=re.DOTALL | re.MULTILINE)
