"""The results folder's life shared by ``snnrl train`` and ``snnrl algo`` (experiments/run/results_folder)."""

import pytest

from snnrl.experiments.run.lock import FolderLockedError, folder_lock
from snnrl.experiments.run.results_folder import results_folder


@pytest.mark.parametrize("files", [("checkpoint.npz", "returns.csv"), ("metrics.npz", "returns.csv", "summary.json")])
def test_a_fresh_run_is_refused_where_a_run_lies_with_or_without_its_checkpoint(tmp_path, files):
    for name in files:
        (tmp_path / name).write_text("x")
    with pytest.raises(FileExistsError, match="already holds a run"), results_folder(tmp_path, resume=False):
        pass
    with results_folder(tmp_path, resume=True) as folder:
        assert folder == tmp_path


def test_a_refused_run_leaves_no_folder_behind_but_keeps_what_it_wrote(tmp_path):
    with pytest.raises(ValueError, match="bad setting"), results_folder(tmp_path / "new", resume=False):
        raise ValueError("bad setting")
    assert not (tmp_path / "new").exists()
    with pytest.raises(FloatingPointError), results_folder(tmp_path / "written", resume=False) as folder:
        (folder / "config.json").write_text("{}")
        raise FloatingPointError("NaN")
    assert (tmp_path / "written" / "config.json").exists()


def test_a_folder_another_run_writes_is_refused_and_kept(tmp_path):
    with folder_lock(tmp_path / "busy"):
        with pytest.raises(FolderLockedError), results_folder(tmp_path / "busy", resume=False):
            pass
        assert (tmp_path / "busy").is_dir()


def test_left_over_temporaries_are_removed(tmp_path):
    (tmp_path / ".returns.csv.snnrl-tmp").write_text("half")
    with results_folder(tmp_path, resume=True):
        assert not (tmp_path / ".returns.csv.snnrl-tmp").exists()
