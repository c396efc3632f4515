"""The imports of glute_study run one way: no circle, and no layer imports what sits above it.

Every module's imports are read from its source (``ast``), including imports inside functions
and under ``if TYPE_CHECKING``, so that a lazy import does not hide an upward dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import glute_study

ROOT = Path(glute_study.__file__).parent

#: What sits above the readers: nothing in glute_study/io may import these.
ABOVE_IO = ("glute_study.study", "glute_study.validate", "glute_study.stats",
            "glute_study.figures", "glute_study.report", "glute_study.importing",
            "glute_study.study_folder", "glute_study.measures", "glute_study.simulate",
            "glute_study.summary", "glute_study.commands", "glute_study.cli")
#: All that glute_study/io may import from the package besides itself.
IO_MAY_USE = ("glute_study.codebook", "glute_study._checks", "glute_study.errors",
              "glute_study._files", "glute_study._escape", "glute_study._text",
              "glute_study.parallel")
#: The bottom layer: these import only each other.
BOTTOM = ("glute_study.errors", "glute_study._checks", "glute_study._text",
          "glute_study._escape", "glute_study._files", "glute_study._read",
          "glute_study.codebook", "glute_study.parallel")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str) -> set[str]:
    """The glute_study modules that module ``name`` imports, anywhere in its source."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(name)
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # ``from . import accel`` imports the module glute_study.io.accel
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # ``import glute_study.io.x.y`` etc.
                target = target.rpartition(".")[0]
            if target.startswith("glute_study") and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _imports_package(name: str, package: str) -> bool:
    """Whether module ``name`` imports ``package`` (or a submodule of it), anywhere."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            targets = [node.module or ""]
        else:
            continue
        if any(t == package or t.startswith(package + ".") for t in targets):
            return True
    return False


def _within(target: str, prefixes: tuple[str, ...]) -> bool:
    return any(target == p or target.startswith(p + ".") for p in prefixes)


def _circles() -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return groups


def test_the_reader_sees_imports_inside_functions_and_relative_ones():
    assert "glute_study.parallel" in GRAPH["glute_study.io.device_folder"]  # inside a function
    assert "glute_study.io.activpal" in GRAPH["glute_study.io.device_folder"]  # from . import x
    assert "glute_study.study" in GRAPH["glute_study.importing"]
    assert "glute_study.io.daily" in GRAPH["glute_study.io.activpal"]


def test_no_circle_between_modules():
    assert _circles() == []


def test_io_imports_nothing_above_it():
    upward = {(name, target) for name, targets in GRAPH.items()
              if _within(name, ("glute_study.io",))
              for target in targets if _within(target, ABOVE_IO)}
    assert upward == set()


def test_io_uses_only_the_codebook_checks_errors_files_and_text_helpers():
    other = {(name, target) for name, targets in GRAPH.items()
             if _within(name, ("glute_study.io",))
             for target in targets
             if not _within(target, ("glute_study.io", *IO_MAY_USE))}
    assert other == set()


def test_the_bottom_layer_imports_only_itself():
    other = {(name, target) for name in BOTTOM for target in GRAPH[name] if target not in BOTTOM}
    assert other == set()


@pytest.mark.parametrize(("lower", "upper"), [
    ("glute_study.stats", ("glute_study.figures", "glute_study.report")),
    ("glute_study.figures", ("glute_study.report",)),
    ("glute_study.measures", ("glute_study.study", "glute_study.stats", "glute_study.figures",
                              "glute_study.report")),
])
def test_analysis_layers_import_downward_only(lower, upper):
    upward = {(name, target) for name, targets in GRAPH.items() if _within(name, (lower,))
              for target in targets if _within(target, upper)}
    assert upward == set()


def test_importing_the_readers_loads_nothing_above_them():
    """Importing the readers loads neither the import workflow nor the analysis layers."""

    def loaded_by(statement: str) -> set[str]:
        code = f"import sys; {statement}; print(sorted(m for m in sys.modules if m in " \
               f"{list(ABOVE_IO)!r}))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT.parent)
        return set(ast.literal_eval(out.stdout.strip()))

    # ``import glute_study`` loads no layer above the readers (the study loads on first use)
    assert loaded_by("import glute_study.io") == set()
    assert "glute_study.study" in loaded_by("import glute_study.io, glute_study.study")  # probe


def test_readers_and_the_workflow_use_only_public_helpers_of_other_modules():
    """A helper another module needs is public: no ``from .x import _helper`` between the readers,
    the text helpers, the study folder and the import workflow."""
    mine = ("glute_study.io", "glute_study.importing", "glute_study.study_folder",
            "glute_study._text", "glute_study._read")
    private = set()
    for name, path in MODULES.items():
        if not _within(name, mine):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                private |= {(name, a.name) for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")}
    assert private == set()


def test_only_the_design_module_builds_design_matrices_with_patsy():
    """One design-matrix builder: formulas become matrices in ``stats/_design.py`` alone."""
    assert _imports_package("glute_study.stats._design", "patsy")
    users = {name for name in MODULES if _imports_package(name, "patsy")}
    assert users == {"glute_study.stats._design"}
