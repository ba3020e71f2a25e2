"""The package's layout rules, checked from its source (issue 16).

Imports run down only (no cycles), the top of the package stays short, no module grows past 500
lines, a private module (``_name``) is imported only from inside the package that holds it, and
``import tabsynth`` stays instant: it loads none of the heavy dependencies.
"""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "tabsynth"
MAX_TOP_MODULES = 13  # _threads.py (issue 22) joined the top; next session: fold a module into a package
MAX_LINES = 500


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _resolve(name: str) -> str:
    """The module a dotted import name lands in (``pkg.mod.func`` -> ``pkg.mod``)."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    return {id(node) for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for node in ast.walk(block)}


def _imports(module: str) -> set[str]:
    """Every tabsynth module ``module`` imports, lazy imports inside functions included."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    skip = _type_checking_nodes(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {_resolve(a.name) for a in node.names if a.name.split(".")[0] == "tabsynth"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] != "tabsynth":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else _resolve(base))
    found.discard(module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def test_every_relative_import_names_a_real_module():
    # a typo such as ``from .io import`` one package too deep resolves to the package itself
    for module, path in MODULES.items():
        here = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level and node.module:
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                target = ".".join([*anchor, node.module])
                assert target in MODULES, f"{module} imports {target}, which does not exist"


def test_imports_have_no_cycles():
    try:
        tuple(graphlib.TopologicalSorter(GRAPH).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_nothing_imports_the_face():
    # the face is lazy and imports everything; a module importing it would load the whole package
    assert not [module for module, imported in GRAPH.items() if "tabsynth" in imported]


def test_top_of_the_package_stays_short():
    top = sorted(p.name for p in PACKAGE_DIR.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


def test_no_module_is_over_500_lines():
    sizes = {m: len(p.read_text().splitlines()) for m, p in MODULES.items()}
    assert not {m: n for m, n in sizes.items() if n > MAX_LINES}


def _is_private(module: str) -> bool:
    return any(part.startswith("_") and part != "__init__" for part in module.split(".")[1:])


def _owner(module: str) -> str:
    """The package a private module belongs to: everything before its first private part."""
    parts = module.split(".")
    first = next(i for i, part in enumerate(parts) if i and part.startswith("_"))
    return ".".join(parts[:first])


def test_private_modules_are_used_only_inside_their_package():
    leaks = [f"{importer} imports {imported}"
             for importer, imported_set in GRAPH.items()
             for imported in imported_set
             if _is_private(imported)
             and not (importer == _owner(imported) or importer.startswith(_owner(imported) + "."))]
    assert not leaks, leaks


def _private_names_imported(module: str) -> list[tuple[str, str]]:
    """(source module, name) for every ``from x import _name`` in ``module`` where ``_name`` is no module."""
    path = MODULES[module]
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here.split(".")[: len(here.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found += [(base, a.name) for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__") and f"{base}.{a.name}" not in MODULES]
    return found


def test_no_private_name_crosses_a_package_boundary():
    def package(module: str) -> str:
        return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]

    leaks = [f"{importer} imports {name} from {source}"
             for importer in MODULES for source, name in _private_names_imported(importer)
             if source in MODULES and package(importer) != package(source)]
    assert not leaks, leaks


def test_importing_the_package_loads_no_heavy_dependency():
    heavy = ["torch", "dask", "sdmetrics", "pandas", "tabsynth.benchmarking", "tabsynth.synthesizers"]
    code = ("import sys, tabsynth; "
            f"print([m for m in {heavy!r} if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE_DIR.parent, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_lazy_names_resolve_and_are_listed():
    code = ("import tabsynth; missing = [n for n in tabsynth.__all__ if not hasattr(tabsynth, n)]; "
            "print(missing, sorted(set(tabsynth.__all__) - set(dir(tabsynth))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE_DIR.parent, check=True)
    assert result.stdout.strip() == "[] []", result.stdout
