"""``python -m snnrl.cli``: the ``snnrl`` command."""

from snnrl.cli import app

if __name__ == "__main__":
    app()
