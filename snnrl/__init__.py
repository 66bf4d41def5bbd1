"""snnrl: reinforcement learning with spiking neural networks in JAX."""

__version__ = "0.2.0"  # 0.2: the official and neuromorphic presets follow the codes step by step (DESIGN 1c)
