"""The type stubs (_native.pyi) and the compiled module agree: every class,
method, attribute and function of one is in the other."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import truthgraph_db
from truthgraph_db import _native

STUB = Path(truthgraph_db.__file__).with_name("_native.pyi")


def stub_names() -> tuple[dict[str, set[str]], set[str]]:
    tree = ast.parse(STUB.read_text())
    classes: dict[str, set[str]] = {}
    top: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            classes[node.name] = members
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
    return classes, top


def runtime_members(cls: type) -> set[str]:
    return {n for n in vars(cls) if not n.startswith("_") or n in ("__init__", "__aenter__", "__aexit__")}


def test_stubs_match_the_compiled_module() -> None:
    classes, top = stub_names()
    runtime_classes = {n for n, v in vars(_native).items() if inspect.isclass(v)}
    assert set(classes) == runtime_classes
    for name, members in classes.items():
        cls = getattr(_native, name)
        declared = members - {"__init__"}
        actual = runtime_members(cls) - {"__init__"}
        assert declared == actual, f"{name}: only in stub {declared - actual}, only in module {actual - declared}"
    functions = {n for n, v in vars(_native).items() if callable(v) and not inspect.isclass(v)}
    assert functions <= top
    assert {"__version__", "ERROR_CLASSES"} <= top
