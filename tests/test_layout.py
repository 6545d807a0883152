"""The package's layers (ARCHITECTURE.md): imports point down, no cycle, no long file."""

import ast
import pathlib

import pytest

import zfviz

PACKAGE = pathlib.Path(zfviz.__file__).parent
LAYERS = ("core", "data", "nets", "methods", "book")  # each may import only those before it
MAX_LINES = 800


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def zfviz_imports(path: pathlib.Path) -> set[str]:
    """Every zfviz module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "zfviz":
                continue
            for alias in node.names:  # ``from zfviz.nets import train`` imports a module
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "zfviz"}
    return found - {"zfviz"}


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


GRAPH = {m: zfviz_imports(p) for m, p in MODULES.items() if m != "zfviz"}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{m} ({LAYERS[layer(m)]}) imports {t} ({LAYERS[layer(t)]})"
        for m, targets in graph.items()
        for t in sorted(targets)
        if layer(m) is not None and layer(t) is not None and layer(t) > layer(m)
    ]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a list of modules, first == last), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_every_module_lives_in_one_of_the_five_layers():
    loose = [m for m in GRAPH if layer(m) is None]
    assert not loose, f"modules outside {LAYERS}: {loose}"


def test_no_module_imports_a_layer_above_its_own():
    assert not upward_imports(GRAPH)


def test_the_package_has_no_import_cycle():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH))


def test_the_upward_import_check_catches_one():
    planted = {**GRAPH, "zfviz.core.checks": {"zfviz.methods.deconvnet"}}
    assert upward_imports(planted) == [
        "zfviz.core.checks (core) imports zfviz.methods.deconvnet (methods)"
    ]


def test_the_cycle_check_catches_one():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(planted) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_file_is_longer_than_800_lines(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines"


@pytest.mark.parametrize("package", LAYERS)
def test_each_layer_says_what_lives_there_and_what_may_import_it(package):
    doc = ast.get_docstring(ast.parse((PACKAGE / package / "__init__.py").read_text()))
    assert doc and "import" in doc


def test_a_module_is_still_reachable_by_its_short_name():
    from zfviz import world

    assert world.make_split is zfviz.data.world.make_split
    assert set(zfviz.MODULES) >= {"world", "deconvnet", "train", "subject"}


def test_every_module_has_a_short_name_and_every_short_name_a_module():
    modules = {m for m in MODULES if m.count(".") == 2}  # zfviz.<layer>.<module>
    assert set(zfviz.MODULES.values()) == modules
    assert all(target.rsplit(".", 1)[1] == name for name, target in zfviz.MODULES.items())
