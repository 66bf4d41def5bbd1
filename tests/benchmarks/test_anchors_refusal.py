"""benchmarks/anchors.py refuses to run, naming the missing package and the ``bench`` extra, when one of
the tools it measures (rejax, spyx, braintrace) cannot be imported."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("blocked", ["rejax", "spyx", "braintrace"])
def test_refuses_without_an_extra(tmp_path, blocked):
    # a package of that name earlier on the path that fails at import, as a missing install does
    (tmp_path / blocked).mkdir()
    (tmp_path / blocked / "__init__.py").write_text("raise ImportError('not installed (test)')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "anchors.py"), "--rows", "bptt", "--quick"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert blocked in result.stderr
    assert 'pip install -e ".[bench]"' in result.stderr
