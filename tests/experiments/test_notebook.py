"""Both notebooks run top to bottom from the checkout (their install cell is skipped because snnrl is
importable) on tiny configurations, and write their figures and results."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from .conftest import TINY_ENV

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def execute(name: str, folder: Path) -> list[dict]:
    """Run notebooks/<name>.ipynb in ``folder``; its outputs (no errors allowed)."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [output for output in outputs if output.get("output_type") == "error"]
    return outputs


@pytest.fixture
def tiny_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNRL_NOTEBOOK_GAMES", "2")
    # The kernels compile several programs to run 2 games: unoptimized XLA code compiles about a third faster.
    monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=0")
    monkeypatch.setenv("SNNRL_NOTEBOOK_OUT", str(tmp_path / "runs"))
    return tmp_path


def test_quickstart_executes(tiny_notebook, monkeypatch):
    monkeypatch.setenv("SNNRL_NOTEBOOK_NEURONS", "30")
    monkeypatch.setenv("SNNRL_NOTEBOOK_ENV", TINY_ENV)
    execute("quickstart", tiny_notebook)
    runs = tiny_notebook / "runs"
    for name in ("returns.png", "returns.pdf", "dream_rollout.png"):
        assert (runs / name).stat().st_size > 1000, name
    assert json.loads((runs / "dream" / "summary.json").read_text())["games"] == 2


def test_neuromorphic_executes(tiny_notebook, monkeypatch):
    monkeypatch.setenv("SNNRL_NOTEBOOK_CHIP_STEPS", "3")
    outputs = execute("neuromorphic", tiny_notebook)
    runs = tiny_notebook / "runs"
    assert (runs / "returns.png").stat().st_size > 1000
    assert json.loads((runs / "none" / "summary.json").read_text())["games"] == 2
    text = "".join(output.get("text", "") for output in outputs)
    assert "510 hidden neurons" in text and "same weights: True" in text


def test_stored_outputs_show_every_figure():
    """The notebooks are stored executed (at their small default size), with a figure per plotting cell."""
    for name, figures in (("quickstart", 2), ("neuromorphic", 2)):
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
        assert sum("image/png" in output.get("data", {}) for output in outputs) == figures, name
        assert not [output for output in outputs if output.get("output_type") == "error"], name
