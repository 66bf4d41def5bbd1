"""A results folder's life, the same for ``snnrl train`` (runner.py) and ``snnrl algo`` (family.py): the
folder checked writable, locked against a second writer while the run writes, left-over temporary files
removed, a fresh run refused where a run's results lie, and a folder that a refused run created removed
again. The files themselves are written atomically through core.storage by each entry point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from snnrl.core.storage import remove_temporaries
from snnrl.experiments.run.checkpoint import check_no_results
from snnrl.experiments.run.lock import folder_lock
from snnrl.experiments.run.preflight import check_out_folder


@contextmanager
def results_folder(folder: Path | str, resume: bool) -> Iterator[Path]:
    """Hold ``folder`` (yielded as a Path) for one run. Before yielding: OutFolderError if it cannot be
    written, FolderLockedError if another process writes there, FileExistsError for a fresh run (not
    ``resume``) where results lie (checkpoint, metrics, returns.csv or summary.json: with or without a
    checkpoint). On any exception a folder this call created is removed if nothing was written to it."""
    folder = check_out_folder(folder)
    created = not folder.exists()
    try:
        with folder_lock(folder):
            remove_temporaries(folder)
            if not resume:
                check_no_results(folder)
            yield folder
    except BaseException:
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
