"""The Colab notebook runs top to bottom on a tiny configuration and writes its figures."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from .conftest import TINY_ENV

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"


def test_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNRL_NOTEBOOK_GAMES", "2")
    monkeypatch.setenv("SNNRL_NOTEBOOK_NEURONS", "30")
    monkeypatch.setenv("SNNRL_NOTEBOOK_ENV", TINY_ENV)
    monkeypatch.setenv("SNNRL_NOTEBOOK_OUT", str(tmp_path / "runs"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    for name in ("returns.png", "returns.pdf", "dream_rollout.png"):
        assert (tmp_path / "runs" / name).stat().st_size > 1000, name
    assert (tmp_path / "runs" / "dream" / "summary.json").exists()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
