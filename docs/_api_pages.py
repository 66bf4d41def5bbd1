"""mkdocs hook: one API reference page per snnrl subpackage, listing every public module found on disk,
so the reference follows the code without a hand-kept list (rendered by mkdocstrings from docstrings)."""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File, Files

PACKAGE = Path(__file__).resolve().parents[1] / "snnrl"
SUBPACKAGES = {
    "core": "Spiking core: LIF step, surrogate spike, pseudo-derivatives, eligibility traces, e-prop, encoders.",
    "envs": "Environments: JAX Pong, ALE from the host, gymnax.",
    "models": "Networks: agent and world model, recurrent and readout-only.",
    "algorithms": "Awake, dream and plan games and their configuration.",
    "experiments": "Presets, make_train, the resumable runner, figures and statistics.",
    "hardware": "DYNAP-SE description, mapper, simulated chip, samna bridge, JSON and NIR export.",
}


def modules(subpackage: str) -> list[str]:
    """Dotted names of the package and its public modules (no leading underscore), sorted."""
    folder = PACKAGE / subpackage
    names = sorted(path.stem for path in folder.glob("*.py") if not path.stem.startswith("_"))
    return [f"snnrl.{subpackage}"] + [f"snnrl.{subpackage}.{name}" for name in names]


def page(subpackage: str) -> str:
    """Markdown of one reference page: a mkdocstrings directive per module."""
    lines = [f"# snnrl.{subpackage}", "", SUBPACKAGES[subpackage], ""]
    for name in modules(subpackage):
        lines += [f"::: {name}", "    options:", "      show_submodules: false", ""]
    return "\n".join(lines)


def on_files(files: Files, config) -> Files:
    """Add docs/api/<subpackage>.md for every subpackage."""
    for subpackage in SUBPACKAGES:
        files.append(File.generated(config, f"api/{subpackage}.md", content=page(subpackage)))
    return files
