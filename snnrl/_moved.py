"""Old module paths (before the rooms of docs/architecture.md) kept importable: ``import snnrl.experiments.runner``
gives the module ``snnrl.experiments.run.runner`` itself (one module object under two names), so scripts,
notebooks and docs written against the old paths keep working. New code imports the new paths."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

MOVED = {
    "snnrl.hardware.jax_backend": "snnrl.hardware.lif_backend",
    "snnrl.hardware.simulated_chip": "snnrl.hardware.lif_backend",
    "snnrl.algorithms.config": "snnrl.algorithms.dreaming.config",
    "snnrl.algorithms.game": "snnrl.algorithms.dreaming.game",
    "snnrl.algorithms.imagination": "snnrl.algorithms.dreaming.imagination",
    "snnrl.algorithms.learner": "snnrl.algorithms.dreaming.learner",
    "snnrl.experiments.hidden_layers": "snnrl.algorithms.dreaming.hidden_layers",
    "snnrl.algorithms.common": "snnrl.algorithms.family.common",
    "snnrl.algorithms.episodes": "snnrl.algorithms.family.episodes",
    "snnrl.algorithms.networks": "snnrl.algorithms.family.networks",
    "snnrl.algorithms.chunked": "snnrl.algorithms.family.chunked",
    "snnrl.algorithms.ppo": "snnrl.algorithms.family.ppo",
    "snnrl.algorithms.reinforce": "snnrl.algorithms.family.reinforce",
    "snnrl.algorithms.actor_critic": "snnrl.algorithms.family.actor_critic",
    "snnrl.algorithms.dqn": "snnrl.algorithms.family.dqn",
    "snnrl.experiments.storage": "snnrl.core.storage",
    "snnrl.experiments.config_io": "snnrl.experiments.config.files",
    "snnrl.experiments.configure": "snnrl.experiments.config.configure",
    "snnrl.experiments.overrides": "snnrl.experiments.config.overrides",
    "snnrl.experiments.sweep_axes": "snnrl.experiments.config.sweep_axes",
    "snnrl.experiments.run_identity": "snnrl.experiments.config.run_identity",
    "snnrl.experiments.distributed": "snnrl.experiments.train.distributed",
    "snnrl.experiments.host_loop": "snnrl.experiments.train.host_loop",
    "snnrl.experiments.memory": "snnrl.experiments.train.memory",
    "snnrl.experiments.runner": "snnrl.experiments.run.runner",
    "snnrl.experiments.checkpoint": "snnrl.experiments.run.checkpoint",
    "snnrl.experiments.lock": "snnrl.experiments.run.lock",
    "snnrl.experiments.signals": "snnrl.experiments.run.signals",
    "snnrl.experiments.progress": "snnrl.experiments.run.progress",
    "snnrl.experiments.provenance": "snnrl.experiments.run.provenance",
    "snnrl.experiments.preflight": "snnrl.experiments.run.preflight",
    "snnrl.experiments.loggers": "snnrl.experiments.run.loggers",
    "snnrl.experiments.algo_run": "snnrl.experiments.run.family",
    "snnrl.experiments.autoencoder_run": "snnrl.experiments.run.autoencoder",
    "snnrl.experiments.plots": "snnrl.experiments.analysis.plots",
    "snnrl.experiments.render": "snnrl.experiments.analysis.render",
    "snnrl.experiments.dream_replay": "snnrl.experiments.analysis.dream_replay",
    "snnrl.experiments.sweep": "snnrl.experiments.analysis.sweep",
    "snnrl.envs.pong_state": "snnrl.envs.pong.state",
    "snnrl.envs.pong_geometry": "snnrl.envs.pong.geometry",
    "snnrl.envs.pong_frame": "snnrl.envs.pong.frame",
    "snnrl.envs.pong_render": "snnrl.envs.pong.render",
    "snnrl.envs.fidelity": "snnrl.envs.pong.fidelity",
    "snnrl.hardware.spec": "snnrl.hardware.chip.spec",
    "snnrl.hardware.connectivity": "snnrl.hardware.chip.connectivity",
    "snnrl.hardware.mapper": "snnrl.hardware.chip.mapper",
    "snnrl.hardware.export_json": "snnrl.hardware.chip.export_json",
    "snnrl.hardware.samna_loader": "snnrl.hardware.dynapse1.samna_loader",
    "snnrl.hardware.samna_config": "snnrl.hardware.dynapse1.samna_config",
    "snnrl.hardware.fpga_stimulus": "snnrl.hardware.dynapse1.fpga_stimulus",
    "snnrl.hardware.dynapse1_session": "snnrl.hardware.dynapse1.session",
    "snnrl.hardware.dynapse1_backend": "snnrl.hardware.dynapse1.backend",
    "snnrl.hardware.chip_bridge": "snnrl.hardware.dynapse1.bridge",
    "snnrl.hardware.export_nir": "snnrl.interop.hidden_export",
    "snnrl.hardware.import_nir": "snnrl.interop.hidden_import",
}


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old path of MOVED and loads it as the module at its new path."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname in MOVED else None

    def create_module(self, spec):
        return None  # a placeholder; exec_module replaces it in sys.modules by the real module

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])


def install() -> None:
    """Put the finder on sys.meta_path (once)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
