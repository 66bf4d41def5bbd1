"""The notebooks' first cell, run as it is in a fresh virtual environment: inside a clone it uses the clone and
installs nothing; elsewhere it installs SNNRL_SOURCE, here a wheel built from this checkout. The environment
sees this one's packages (jax, ...) and pip runs with --no-index --no-deps: nothing is downloaded."""

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

import snnrl

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHOW = "\nprint('FROM', Path(snnrl.__file__).resolve().parent)\n"


def install_cell(notebook: Path) -> str:
    """The source of the notebook's first code cell."""
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(next(cell for cell in cells if cell["cell_type"] == "code")["source"])


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    """A new virtual environment's python without snnrl that sees this environment's other packages (a path
    in a .pth file is added as it is: the .pth files there, such as an editable snnrl's, are not run)."""
    folder = tmp_path_factory.mktemp("fresh")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", folder / "venv"], check=True, timeout=120)
    python = folder / "venv" / "bin" / "python"
    packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    (Path(packages) / "outer.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def run_cell(python: Path, cell: str, folder: Path, source: str = "") -> tuple[str, Path]:
    """(snnrl's version, the folder it was imported from) after running ``cell`` in ``folder``."""
    environ = {
        **{key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "SNNRL_SOURCE": source,
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_FORCE_REINSTALL": "1",  # the outer environment's snnrl metadata must not pass for an installed snnrl
    }
    result = subprocess.run(
        [python, "-c", cell + SHOW], cwd=folder, capture_output=True, text=True, env=environ, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    return lines[-2].removeprefix("snnrl "), Path(lines[-1].removeprefix("FROM "))


def test_every_notebook_starts_with_the_same_install_cell():
    assert len(NOTEBOOKS) >= 2 and len({install_cell(notebook) for notebook in NOTEBOOKS}) == 1
    assert "SNNRL_SOURCE" in install_cell(NOTEBOOKS[0])


def test_the_install_cell_uses_a_clone_and_installs_a_wheel(fresh_python, tmp_path):
    cell = install_cell(NOTEBOOKS[0])
    version, origin = run_cell(fresh_python, cell, ROOT / "notebooks")
    assert (version, origin) == (snnrl.__version__, ROOT / "snnrl"), "inside the clone: the clone, nothing installed"
    packages = fresh_python.parents[1]
    assert not list(packages.rglob("snnrl/__init__.py"))

    dist = tmp_path / "dist"
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, ROOT]
    subprocess.run(build, check=True, capture_output=True, timeout=180)
    (wheel,) = dist.glob("snnrl-*.whl")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    version, origin = run_cell(fresh_python, cell, outside, source=str(wheel))
    assert version == snnrl.__version__
    assert origin.is_relative_to(packages) and origin.name == "snnrl", origin
