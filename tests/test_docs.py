"""The documentation site builds with ``mkdocs build --strict``: broken links, anchors, nav entries or
API references (mkdocstrings) fail the build."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOWTOS = ("train", "configure", "logging", "sweep", "plot", "chip", "nir", "distributed", "algorithms")


def test_docs_build_strict(tmp_path):
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    site = tmp_path / "site"
    assert "snnrl.core.lif.lif_step" in (site / "api" / "core" / "index.html").read_text()
    packages = [f"api/{path.parent.name}" for path in (ROOT / "snnrl").glob("*/__init__.py")]
    pages = ["science", "presets", "changelog", *packages] + [f"howto/{name}" for name in HOWTOS]
    for page in pages:
        assert (site / page / "index.html").exists(), page


def test_docstrings_cite_the_docs_not_a_design_document():
    cited = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "snnrl").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "DESIGN" in line
    ]
    assert not cited, f"docstrings cite DESIGN (not shipped): {cited}"
