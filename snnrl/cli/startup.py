"""What every ``snnrl`` command does first: JAX's persistent compilation cache, on by default.

A program compiled once is stored on disk and read back by the next command that compiles the same program
(another run of the same preset and sizes), which then starts in seconds instead of compiling for a minute.
Results are unchanged: a hit loads the same executable. ``SNNRL_COMPILE_CACHE=0`` (or ``off``, ``false``,
``no``) or ``--no-compile-cache`` turns it off; ``SNNRL_COMPILE_CACHE=/path`` moves it; the default folder is
``$XDG_CACHE_HOME/snnrl/jax`` (``~/.cache/snnrl/jax``). How-to: docs/howto/train.md ("Start-up").
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ENV_VARIABLE = "SNNRL_COMPILE_CACHE"
OFF = ("0", "off", "false", "no")
ON = ("", "1", "on", "true", "yes")
MIN_COMPILE_SECONDS = 0.2  # programs that compile faster are not worth a file (the test suite's value too)


def default_cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CACHE_HOME/snnrl/jax``, else ``~/.cache/snnrl/jax``."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "snnrl" / "jax"


def compile_cache_dir(disabled: bool = False, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The cache folder the settings ask for, or None when ``disabled`` or $SNNRL_COMPILE_CACHE turns it off."""
    setting = environ.get(ENV_VARIABLE, "").strip()
    if disabled or setting.lower() in OFF:
        return None
    return default_cache_dir(environ) if setting.lower() in ON else Path(setting).expanduser()


def enable_compile_cache(disabled: bool = False, environ: Mapping[str, str] = os.environ) -> Path | None:
    """Point JAX's persistent compilation cache at ``compile_cache_dir``; returns the folder (None: off).
    Imports nothing: before JAX is imported the settings go to its ``JAX_*`` environment variables, which
    it reads when first imported (so ``--help`` and usage errors never wait for JAX)."""
    folder = compile_cache_dir(disabled, environ)
    if folder is None:
        return None
    settings = {
        "jax_compilation_cache_dir": str(folder),
        "jax_persistent_cache_min_compile_time_secs": MIN_COMPILE_SECONDS,
    }
    jax = sys.modules.get("jax")
    for name, value in settings.items():
        if jax is None:
            os.environ[name.upper()] = str(value)
        else:
            jax.config.update(name, value)
    return folder
