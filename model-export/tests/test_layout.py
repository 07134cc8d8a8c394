"""The package's import graph: no cycle, counting the imports made inside functions, and every import of the
package's own modules at the top of a module, so that what depends on what can be read from the first lines.
Only the CLI may defer its own modules (train/augment/tfrecords load TensorFlow at import)."""

from __future__ import annotations

import ast

from conftest import PKG_ROOT

PKG = PKG_ROOT / "melanoma_export"
DEFERRED_BY_CLI = {"train", "augment", "tfrecords"}


def own_imports(node) -> list[str]:
    """The package modules an import statement names (melanoma_export.x / from melanoma_export import x)."""
    modules = {p.stem for p in PKG.glob("*.py")}
    if isinstance(node, ast.ImportFrom) and node.module:
        parts = node.module.split(".")
        if parts[0] != "melanoma_export":
            return []
        return [parts[1]] if len(parts) > 1 else [a.name for a in node.names if a.name in modules]
    if isinstance(node, ast.Import):
        return [a.name.split(".")[1] for a in node.names if a.name.startswith("melanoma_export.")]
    return []


def graph() -> tuple[dict[str, set[str]], list[str]]:
    edges, deferred = {}, []
    for path in sorted(PKG.glob("*.py")):
        tree = ast.parse(path.read_text())
        top = {id(n) for n in tree.body}
        edges[path.stem] = set()
        for node in ast.walk(tree):
            for target in own_imports(node):
                edges[path.stem].add(target)
                if id(node) not in top and not (path.stem == "cli" and target in DEFERRED_BY_CLI):
                    deferred.append(f"{path.name}:{node.lineno} imports {target} inside a function")
    return edges, deferred


def test_no_import_cycle_counting_imports_inside_functions():
    edges, _ = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(module, path):
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if target == module or target not in edges:
                continue
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target):] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert not cycles, cycles


def test_the_package_imports_its_own_modules_at_the_top():
    _, deferred = graph()
    assert not deferred, deferred


def test_the_stages_do_not_import_the_workflows():
    edges, _ = graph()
    importers = sorted(m for m, targets in edges.items() if "pipeline" in targets)
    assert importers == ["cli"], importers
