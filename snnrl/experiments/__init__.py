"""Experiments: presets, make_train, the chunked runner with checkpoints, results, figures."""
