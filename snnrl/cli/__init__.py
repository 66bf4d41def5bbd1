"""The ``snnrl`` command: one Typer app (app.py) and one module per command group: train (``snnrl train``),
figures (``plot``, ``render``), show (``list``, ``config show``), family (``algo``), autoencoder and
evaluate (``eval``, ``compare``). A command parses, calls one function
and reports. How-to: docs/howto/configure.md, docs/howto/logging.md, docs/howto/evaluate.md."""

# The commands are listed in the order their modules register them.
# isort: off
from snnrl.cli import train  # noqa: F401
from snnrl.cli import figures  # noqa: F401
from snnrl.cli import show  # noqa: F401
from snnrl.cli import family  # noqa: F401
from snnrl.cli import autoencoder  # noqa: F401
from snnrl.cli import evaluate  # noqa: F401
from snnrl.cli import compare  # noqa: F401

# isort: on
from snnrl.cli.app import app

__all__ = ["app"]
