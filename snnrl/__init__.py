"""snnrl: reinforcement learning with spiking neural networks in JAX."""

__version__ = "0.2.0"  # the one version source; 0.2: the presets follow the official codes (docs/presets.md)

from snnrl import _moved

_moved.install()  # the old module paths (docs/architecture.md) stay importable
