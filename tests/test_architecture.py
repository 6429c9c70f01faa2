"""The package's architecture, read from the source with `ast`: no import cycles, no private names taken from
another module, and the rooms layered one way (DESIGN.md: a lower room never imports a higher one).

Every import counts, at module level or inside a function (a lazy import is still a dependency), for the
library (ngramlm/) and the command line (cli/, installed as ngramlm.cli). `from package import name` depends on
package.name where that is a module, and on the package otherwise.

The rules:
  * cycles: the graph of imports among ngramlm's Python modules has no cycle (the package ngramlm itself, whose
    __init__ only re-exports lazily, is no node of it).
  * private names: no module imports a name starting with `_` from another module, nor reads one off a module it
    imported (`module._name`). The compiled modules ngramlm._ext._* are the one exception, for the library only:
    they are the package's private hot loops, and the library modules that import them are their public
    wrappers (each has at least one); names starting with `_` inside them are private as anywhere else, and the
    command line goes through the wrappers, never to ngramlm._ext.
  * layers: core < corpora < counting < formats < smoothing < distributed < use < models < apps < cli; a module
    imports only from its own room or a lower one (ngramlm._ext sits below core).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOMS = ["_ext", "core", "corpora", "counting", "formats", "smoothing", "distributed", "use", "models", "apps", "cli"]
COMPILED = "ngramlm._ext."


def module_files() -> dict[str, Path]:
    """Dotted module name -> source file, for ngramlm/ and cli/ (as ngramlm.cli)."""
    files = {}
    for base, package in ((ROOT / "ngramlm", "ngramlm"), (ROOT / "cli", "ngramlm.cli")):
        for path in sorted(base.rglob("*.py")):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join([package, *parts])] = path
    return files


FILES = module_files()
COMPILED_MODULES = {f"ngramlm._ext.{p.name.split('.')[0]}" for p in (ROOT / "ngramlm" / "_ext").glob("_*.so")}
COMPILED_MODULES |= {f"ngramlm._ext.{p.stem}" for p in (ROOT / "ext").glob("*.pyx")}
KNOWN = set(FILES) | COMPILED_MODULES


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_package(module: str) -> bool:
    return FILES[module].name == "__init__.py"


def resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of `from <level dots><target> import ...` written in `module`."""
    if level == 0:
        return target or ""
    base = module.split(".")
    if not is_package(module):
        base.pop()
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


class Import:
    """One imported name: the module that imports, the module depended on, and the name (None for `import x`)."""

    def __init__(self, importer: str, line: int, source: str, name: str | None, depends_on: str):
        self.importer, self.line, self.source, self.name, self.depends_on = importer, line, source, name, depends_on

    def __repr__(self) -> str:
        what = f"{self.name} from {self.source}" if self.name else self.source
        return f"{FILES[self.importer].relative_to(ROOT)}:{self.line}: {what}"


def imports_of(module: str, tree: ast.AST) -> list[Import]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, node.lineno, alias.name, None, alias.name))
        elif isinstance(node, ast.ImportFrom):
            source = resolve(module, node.level, node.module)
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.append(Import(module, node.lineno, source, alias.name,
                                    submodule if submodule in KNOWN else source))
    return found


def private_attributes_of(module: str, tree: ast.AST) -> list[str]:
    """`name._private` where `name` is bound to one of our modules by an import in this file."""
    modules = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in KNOWN:
                    modules[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = resolve(module, node.level, node.module)
            for alias in node.names:
                if f"{source}.{alias.name}" in KNOWN:
                    modules[alias.asname or alias.name] = f"{source}.{alias.name}"
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and is_private(node.attr)):
            found.append(f"{FILES[module].relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


TREES = {module: ast.parse(path.read_text(encoding="utf-8"), str(path)) for module, path in FILES.items()}
IMPORTS = [imp for module, tree in TREES.items() for imp in imports_of(module, tree)]
OURS = [imp for imp in IMPORTS if imp.depends_on == "ngramlm" or imp.depends_on.startswith("ngramlm.")]


def room(module: str) -> str | None:
    """The room of a module (None for the package ngramlm itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module, or with a module importing itself (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_import_of_ours_names_a_module_that_exists():
    missing = [imp for imp in OURS if imp.depends_on not in KNOWN and imp.depends_on != "ngramlm"]
    assert not missing, f"imports of modules that do not exist: {missing}"


def test_no_import_cycles_among_ngramlm_modules():
    graph: dict[str, set[str]] = {}
    for imp in OURS:
        if imp.depends_on in FILES and imp.depends_on != "ngramlm" and imp.importer != "ngramlm":
            graph.setdefault(imp.importer, set()).add(imp.depends_on)
    assert cycles(graph) == []


def test_no_module_imports_a_private_name_of_another():
    private = []
    for imp in OURS:
        if imp.depends_on in COMPILED_MODULES and imp.name == imp.depends_on.rsplit(".", 1)[1]:
            if room(imp.importer) == "cli":
                private.append(imp)  # the command line uses the Python wrappers of the compiled modules
            continue
        if imp.name is not None and is_private(imp.name):
            private.append(imp)
    attributes = [hit for module, tree in TREES.items() for hit in private_attributes_of(module, tree)]
    assert not private, f"private names imported from other modules: {private}"
    assert not attributes, f"private names read off other modules: {attributes}"


def test_every_compiled_module_has_a_python_wrapper_in_the_library():
    wrapped = {imp.depends_on for imp in OURS if imp.depends_on in COMPILED_MODULES and room(imp.importer) != "cli"}
    assert wrapped == COMPILED_MODULES


def test_a_lower_room_never_imports_a_higher_one():
    upward = []
    for imp in OURS:
        here, there = room(imp.importer), room(imp.depends_on)
        if here is None or there is None:
            continue
        assert here in ROOMS and there in ROOMS, f"{imp}: a module outside the rooms {ROOMS}"
        if ROOMS.index(there) > ROOMS.index(here):
            upward.append(f"{imp} ({here} imports {there})")
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_the_command_line_reaches_the_library_through_its_modules_not_the_package_facade():
    """cli/ imports ngramlm's modules directly: the façade's lazy names are for users, and importing from it
    would hide a command's real dependencies from these tests."""
    facade = [imp for imp in OURS if room(imp.importer) == "cli" and imp.depends_on == "ngramlm"
              and imp.name is not None]
    assert not facade, f"the command line imports names from the package façade: {facade}"
