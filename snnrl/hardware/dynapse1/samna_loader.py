"""Find and import the real ``samna`` only on request, failing fast (never the PyPI stub's network install).

The ``samna`` on PyPI is a small pure-Python stub that pip-installs the real samna from another index
when imported (≈ 50 s hang offline, see docs/howto/chip.md). The real samna is a compiled (pybind) library. The check,
done without executing any samna code:

1. ``samna`` already in ``sys.modules`` (imported by the user, or a test double): use it if it has
   ``dynapse1``.
2. ``importlib.util.find_spec("samna")`` (locates, does not import): None -> not installed.
3. The located package must contain a compiled extension module (a file ending in one of
   ``importlib.machinery.EXTENSION_SUFFIXES``, or ``.so``/``.pyd``/``.dylib``) in its folder or one
   level below. A pure-Python samna is the stub and is refused.
4. Only then import ``samna`` and ``samna.dynapse1``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

INSTALL_HINT = (
    "install SynSense's real samna wheel (with DYNAP-SE1 support) into this environment; "
    "the 'samna' package on PyPI is only a stub that downloads it when imported"
)


class SamnaUnavailableError(RuntimeError):
    """The real samna (with ``samna.dynapse1``) cannot be used here."""


def _has_compiled_extension(folders: list[str]) -> bool:
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES) + (".so", ".pyd", ".dylib")
    for folder in map(Path, folders):
        candidates = list(folder.glob("*")) + list(folder.glob("*/*"))
        if any(path.is_file() and (path.name.endswith(suffixes) or ".so." in path.name) for path in candidates):
            return True
    return False


def locate_samna() -> str:
    """Where the installed samna lives, after checking it is not the PyPI stub; raise SamnaUnavailableError."""
    spec = importlib.util.find_spec("samna")
    if spec is None:
        raise SamnaUnavailableError(f"samna is not installed; the dynapse1 backend needs it: {INSTALL_HINT}")
    if spec.submodule_search_locations is None:
        origin = spec.origin or ""
        if origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            return origin
        raise SamnaUnavailableError(
            f"samna at {origin} is a single pure-Python module, not the real samna: {INSTALL_HINT}"
        )
    folders = list(spec.submodule_search_locations)
    if not _has_compiled_extension(folders):
        raise SamnaUnavailableError(
            f"the samna installed at {', '.join(folders)} has no compiled extension, so it is the PyPI stub "
            f"(importing it would pip-install over the network); refusing to import it: {INSTALL_HINT}"
        )
    return folders[0]


def check_samna() -> None:
    """SamnaUnavailableError unless a real samna can be loaded; imports nothing (the quick check a chip run makes
    before anything else, see ``snnrl train --backend``)."""
    if "samna" not in sys.modules:
        locate_samna()


def load_samna() -> ModuleType:
    """The real samna module with its ``dynapse1`` submodule loaded; raise SamnaUnavailableError otherwise."""
    module = sys.modules.get("samna")
    if module is None:
        locate_samna()
        try:
            module = importlib.import_module("samna")
        except ImportError as error:
            raise SamnaUnavailableError(f"importing samna failed ({error}): {INSTALL_HINT}") from error
    if not hasattr(module, "dynapse1"):
        try:
            importlib.import_module("samna.dynapse1")
        except ImportError as error:
            raise SamnaUnavailableError(
                f"this samna has no dynapse1 submodule ({error}); DYNAP-SE1 needs a samna "
                f"release with DYNAP-SE1 support"
            ) from error
    return module
