"""snnrl: reinforcement learning with spiking neural networks in JAX."""

__version__ = "0.2.0"  # the one version source; 0.2: the presets follow the official codes (docs/presets.md)
