"""The typed surface of the compiled modules: every ngramlm._ext module has a .pyi stub beside it that names exactly
its public functions, classes, constants and class members (and mypy's stubtest agrees, where mypy is installed)."""
from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXT = ROOT / "ngramlm" / "_ext"
MODULES = sorted(p.stem for p in (ROOT / "ext").glob("*.pyx"))


def is_public(name: str) -> bool:
    return not name.startswith("_")


def runtime_names(module) -> dict[str, set[str] | None]:
    """Public name -> its public members (classes) or None, for what the module defines (not what it imports)."""
    names = {}
    for name, value in vars(module).items():
        if not is_public(name) or inspect.ismodule(value):
            continue
        if (inspect.isclass(value) or callable(value)) and getattr(value, "__module__", None) != module.__name__:
            continue  # imported from elsewhere (a queue, a thread pool)
        names[name] = {m for m in vars(value) if is_public(m)} if inspect.isclass(value) else None
    return names


def stub_names(path: Path) -> dict[str, set[str] | None]:
    names = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            names[node.name] = {m for m in members if is_public(m)}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = None
    return {name: members for name, members in names.items() if is_public(name)}


@pytest.mark.parametrize("name", MODULES)
def test_every_compiled_module_has_a_stub_naming_exactly_its_public_api(name):
    stub = EXT / f"{name}.pyi"
    assert stub.exists(), f"ngramlm/_ext/{name}.pyi is missing"
    assert stub_names(stub) == runtime_names(importlib.import_module(f"ngramlm._ext.{name}"))


def test_the_stubs_match_the_compiled_modules_by_mypy_stubtest():
    pytest.importorskip("mypy.stubtest")
    done = subprocess.run([sys.executable, "-m", "mypy.stubtest", "--allowlist", str(ROOT / "tests" /
                           "stubtest_allowlist.txt"), *(f"ngramlm._ext.{name}" for name in MODULES)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
