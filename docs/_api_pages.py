"""mkdocs hook: the API reference follows the code. Every subpackage of snnrl found on disk gets a page
(docs/api/<name>.md, one mkdocstrings directive per public module) and a nav entry under "API reference";
docs/api/index.md lists them with the first line of their docstrings. Nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

from mkdocs.structure.files import File, Files

PACKAGE = Path(__file__).resolve().parents[1] / "snnrl"
SECTION = "API reference"


def subpackages() -> list[str]:
    """Names of snnrl's subpackages (folders with an __init__.py), sorted."""
    return sorted(path.parent.name for path in PACKAGE.glob("*/__init__.py"))


def summary(path: Path) -> str:
    """First line of a module's docstring ('' without one)."""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    return docstring.strip().splitlines()[0] if docstring.strip() else ""


def modules(subpackage: str) -> list[str]:
    """Dotted names of a subpackage, its public modules and those of its nested packages (no leading
    underscore), sorted."""
    names = []
    for path in sorted((PACKAGE / subpackage).rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if len(parts) > 1 and not any(part.startswith("_") for part in parts):
            names.append(".".join(parts))
    return [f"snnrl.{subpackage}"] + [f"snnrl.{name}" for name in sorted(names)]


def page(subpackage: str) -> str:
    """Markdown of one reference page: a mkdocstrings directive per module."""
    lines = [f"# snnrl.{subpackage}", ""]
    for name in modules(subpackage):
        lines += [f"::: {name}", "    options:", "      show_submodules: false", ""]
    return "\n".join(lines)


def index() -> str:
    """Markdown of the reference's overview page."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings of every public module.",
        "",
        "| package | what |",
        "|---|---|",
    ]
    lines.append(f"| [snnrl](snnrl.md) | {summary(PACKAGE / '__init__.py')} |")
    lines += [f"| [snnrl.{name}]({name}.md) | {summary(PACKAGE / name / '__init__.py')} |" for name in subpackages()]
    return "\n".join(lines) + "\n"


def top_level() -> str:
    """Markdown of the page for snnrl itself and its public top-level modules."""
    names = sorted(path.stem for path in PACKAGE.glob("*.py") if not path.stem.startswith("_"))
    lines = ["# snnrl", ""]
    for name in ["snnrl"] + [f"snnrl.{name}" for name in names]:
        lines += [f"::: {name}", "    options:", "      show_submodules: false", ""]
    return "\n".join(lines)


def on_config(config):
    """Replace the nav's "API reference" entry with the overview and one entry per subpackage."""
    entries = [{"Overview": "api/index.md"}, {"snnrl": "api/snnrl.md"}]
    entries += [{f"snnrl.{name}": f"api/{name}.md"} for name in subpackages()]
    for position, item in enumerate(config.nav or []):
        if isinstance(item, dict) and SECTION in item:
            config.nav[position] = {SECTION: entries}
    return config


def on_files(files: Files, config) -> Files:
    """Add the generated pages."""
    files.append(File.generated(config, "api/index.md", content=index()))
    files.append(File.generated(config, "api/snnrl.md", content=top_level()))
    for name in subpackages():
        files.append(File.generated(config, f"api/{name}.md", content=page(name)))
    return files
