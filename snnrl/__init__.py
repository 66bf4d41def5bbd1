"""snnrl: reinforcement learning with spiking neural networks in JAX."""

__version__ = "0.1.0"
