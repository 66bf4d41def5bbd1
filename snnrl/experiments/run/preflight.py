"""Checks made before a run computes or writes anything: the results folder can be written, and a chip
run has samna, a board, and room on it."""

from __future__ import annotations

import os
from pathlib import Path

from snnrl.algorithms.dreaming.hidden_layers import check_board_fits, chip_roles
from snnrl.experiments.config.experiment import ExperimentConfig


class OutFolderError(ValueError):
    """--out cannot hold a results folder."""


def check_out_folder(folder: Path | str) -> Path:
    """``folder`` as a Path if a results folder can be written there; OutFolderError naming --out and
    the reason (empty, a file, under a file, no write permission, read-only filesystem) otherwise."""
    if str(folder).strip() == "":
        raise OutFolderError("--out is empty; give the results folder's path")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutFolderError(f"--out {folder} is a file, not a folder")
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutFolderError(f"--out {folder} cannot be created: {existing} is a file, not a folder")
    if os.statvfs(existing).f_flag & os.ST_RDONLY:
        raise OutFolderError(f"--out {folder} is on a read-only filesystem ({existing})")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutFolderError(f"--out {folder} cannot be written: no write permission in {existing}")
    return folder


def check_chip(config: ExperimentConfig) -> None:
    """For a run with hidden layers on the real chip: MappingError if its realizations do not fit on one
    board, SamnaUnavailableError without a real samna, Dynapse1UnavailableError without an unopened
    DYNAP-SE1 board. Builds nothing; does nothing for other runs."""
    if not chip_roles(config.algorithm):
        return
    from snnrl.hardware.dynapse1.samna_loader import load_samna
    from snnrl.hardware.dynapse1.session import Dynapse1UnavailableError

    check_board_fits(config.algorithm, config.realizations)
    samna = load_samna()
    boards = [d for d in samna.device.get_unopened_devices() if "dynapse1" in str(d.device_type_name).lower()]
    if not boards:
        raise Dynapse1UnavailableError(
            "samna found no unopened DYNAP-SE1 board (is it plugged in, powered, and not opened by another process?)"
        )
