"""Packaging metadata (licence, URLs, extras, one version source) and ruff lint + format on the code."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import snnrl

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/snnrl/snnrl"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_licence_file_is_mit_and_declared():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "2026 snnrl authors" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert PROJECT["authors"] and PROJECT["classifiers"]


def test_urls_name_one_repository():
    urls = PROJECT["urls"]
    assert {"Homepage", "Repository", "Issues", "Documentation"} <= set(urls)
    assert all(url.startswith(REPOSITORY) for url in urls.values()), urls
    notebooks = [path.read_text() for path in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    for text in [(ROOT / "README.md").read_text(), *notebooks]:
        for url in re.findall(r"https://github\.com/[\w.-]+/[\w.-]*\w", text):
            assert url.removesuffix(".git") == REPOSITORY, url


def test_no_extra_installs_the_samna_stub():
    extras = PROJECT["optional-dependencies"]
    assert not [(name, item) for name, items in extras.items() for item in items if item.lower().startswith("samna")]
    assert not any(item.lower().startswith("samna") for item in PROJECT["dependencies"])


def test_version_has_one_source():
    assert PROJECT["dynamic"] == ["version"] and "version" not in PROJECT
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "snnrl.__version__"}
    written = [
        path.relative_to(ROOT)
        for folder in ("snnrl", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*__version__\s*=", path.read_text(), re.M)
    ]
    assert written == [Path("snnrl/__init__.py")]


def test_notebooks_install_the_tag_of_this_version():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        source = "".join("".join(cell["source"]) for cell in json.loads(path.read_text())["cells"])
        assert f"git+{REPOSITORY}.git@v{snnrl.__version__}" in source, path.name


def test_changelog_names_this_version():
    assert f"## [{snnrl.__version__}]" in (ROOT / "CHANGELOG.md").read_text()


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "snnrl", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_importing_every_module_starts_no_jax_backend_and_no_samna():
    """`snnrl train --distributed` must call jax.distributed.initialize before any backend starts, and the
    PyPI samna stub downloads when imported: importing snnrl (every module) may do neither."""
    code = (
        "import importlib, pkgutil, sys, snnrl\n"
        "for module in pkgutil.walk_packages(snnrl.__path__, 'snnrl.'): importlib.import_module(module.name)\n"
        "from jax._src import xla_bridge\n"
        "print(xla_bridge.backends_are_initialized(), 'samna' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"], result.stdout
