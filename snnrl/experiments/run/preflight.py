"""Checks made before a command computes or writes anything: every output (results folder, figure, log,
export) can be written, and a chip run has samna, a board, and room on it."""

from __future__ import annotations

from pathlib import Path

from snnrl.algorithms.dreaming.hidden_layers import check_board_fits, chip_roles
from snnrl.core.output_paths import OutFolderError, check_output_folder
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.run.lock import LOCK_NAME

__all__ = ["OutFolderError", "check_chip", "check_out_folder"]


def check_out_folder(folder: Path | str) -> Path:
    """check_output_folder for a results folder (--out), and OutFolderError if its ``.snnrl.lock`` is not a
    file (a folder there would stop the lock with a raw IsADirectoryError)."""
    folder = check_output_folder(folder, "--out")
    lock = folder / LOCK_NAME
    if lock.exists() and not lock.is_file():
        raise OutFolderError(f"--out {folder} holds {lock}, which is not a file: snnrl keeps its lock there; remove it")
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
