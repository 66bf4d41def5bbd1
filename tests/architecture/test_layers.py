"""The import rules of docs/architecture.md, read from the source (ast, nothing imported): every import of
every module, lazy ones inside functions included, goes down the layers or stays in its room, and no two
modules import each other, directly or around a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from snnrl._moved import MOVED

PACKAGE = Path(__file__).resolve().parents[2] / "snnrl"

# Rooms from the bottom up (docs/architecture.md): a module may import its own room and the rooms below it;
# rooms on one rank (the dreaming loop and the RL family) do not import each other.
LAYERS = (
    ("snnrl", "snnrl._moved"),
    ("snnrl.core",),
    ("snnrl.envs",),
    ("snnrl.hardware",),
    ("snnrl.observations",),
    ("snnrl.models",),
    ("snnrl.interop",),
    ("snnrl.algorithms", "snnrl.algorithms.dreaming", "snnrl.algorithms.family"),
    ("snnrl.experiments", "snnrl.experiments.config"),
    ("snnrl.experiments.train",),
    ("snnrl.experiments.statistics",),
    ("snnrl.experiments.run",),
    ("snnrl.experiments.analysis",),
    ("snnrl.cli",),
)


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


MODULES = module_names()


def resolve(name: str) -> str:
    """A dotted name as the module it loads (old paths of snnrl._moved mapped to their new place)."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            name = new + name[len(old) :]
    return name


def imports(name: str) -> set[str]:
    """The snnrl modules ``name`` imports anywhere in its source: ``from package import module`` counts as
    the module, ``from module import symbol`` as the module."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text())):
        if isinstance(node, ast.Import):
            found |= {resolve(alias.name) for alias in node.names if alias.name.startswith("snnrl")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("snnrl"):
            base = resolve(node.module)
            for alias in node.names:
                child = resolve(f"{base}.{alias.name}")
                found.add(child if child in MODULES else base)
    found.discard(name)
    return found


def room(name: str) -> tuple[int, str]:
    """(rank, room) of a module: its longest matching prefix in LAYERS."""
    best = (-1, "")
    for rank, rooms in enumerate(LAYERS):
        for prefix in rooms:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best[1]):
                best = (rank, prefix)
    assert best[0] >= 0, f"{name} is in no room of LAYERS"
    return best


GRAPH = {name: imports(name) for name in MODULES}


def test_every_import_names_a_module_of_the_package():
    unknown = sorted(
        f"{name} -> {target}" for name, targets in GRAPH.items() for target in targets if target not in MODULES
    )
    assert not unknown, unknown


def test_no_import_goes_up_or_sideways():
    wrong = []
    for name, targets in GRAPH.items():
        rank, own = room(name)
        for target in targets & MODULES.keys():
            target_rank, target_room = room(target)
            sideways = target_rank == rank and target_room != own and own not in LAYERS[rank][:1]
            if target_rank > rank or (sideways and target_room not in LAYERS[rank][:1]):
                wrong.append(f"{name} ({own}) imports {target} ({target_room})")
    assert not wrong, "\n".join(wrong)


def test_no_circle_of_imports():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH.get(name, ())):
            if state.get(target) == 1:
                circles.append(" -> ".join(path[path.index(target) :] + [name, target]))
            elif target in GRAPH and target not in state:
                visit(target, path + [name])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize("name", ["snnrl.core", "snnrl.envs", "snnrl.experiments.train"])
def test_rooms_resolve(name):
    assert room(name)[1] == name
