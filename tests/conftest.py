"""Suite-wide setup: a persistent XLA compilation cache shared by the test processes (pytest-xdist workers).

Many tests compile the same programs (the same preset's chunk, game or update at the same sizes) from new
closures, which JAX's in-memory cache does not recognise; the on-disk cache keys on the compiled program
itself, so the second compilation is a file read. Results are unchanged: a hit loads the same executable.

XLA's backend optimization is switched off (LLVM -O0): the suite's programs are compiled once and run
briefly, so compile time dominates (tests/experiments/test_runner.py: 77 s -> 51 s). Floating-point
semantics do not depend on it (no fast-math either way); tests that start processes set their own XLA_FLAGS.
"""

import os
from pathlib import Path

os.environ["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS"), "--xla_backend_optimization_level=0"]))

import jax  # noqa: E402  (XLA_FLAGS is read when the first backend starts)

CACHE = Path(__file__).resolve().parents[1] / ".pytest_cache" / "jax_compilation"
jax.config.update("jax_compilation_cache_dir", str(CACHE))
# The CLI enables its own cache (snnrl.cli.startup): in the tests, theirs, never the user's ~/.cache/snnrl.
os.environ["SNNRL_COMPILE_CACHE"] = str(CACHE)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
