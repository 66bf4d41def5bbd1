"""A results folder's life: the runner (dreaming loop) and the family's and autoencoder's runs, results files,
checkpoints, the lock, signals, progress, provenance, preflight checks and loggers."""
