"""Configs as plain data: frozen dataclasses built from nested dicts with their types checked (dacite),
config files read (JSON / YAML), dotted ``key=value`` assignments parsed (OmegaConf), keys checked
against a config tree naming the closest valid key (difflib), trees dumped as JSON or YAML.

Nothing here knows the experiment's config classes; ``snnrl.experiments.config.configure`` applies it to
them. How-to: docs/howto/configure.md.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import dacite
import yaml
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from snnrl.choices import FILE_FORMATS

T = TypeVar("T")
NONE_WORDS = ("none", "None")
# "did you mean" names a key only this close (difflib ratio): one or two letters off in a short key.
SUGGESTION_CUTOFF = 0.8


class ConfigError(ValueError):
    """A config file, key or value that cannot be used; the message names the field and where it came from."""


def _to_float(value: Any) -> Any:
    """An int given for a float field becomes that float; a bool is refused (dacite's numeric tower would
    accept it); anything else is left to the type check."""
    if isinstance(value, bool):
        raise dacite.WrongTypeError(field_type=float, value=value)
    return float(value) if isinstance(value, int) else value


def _optional(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Hook for an optional field: 'none' / 'None' (as typed on a command line) mean None."""
    return lambda value: None if isinstance(value, str) and value in NONE_WORDS else inner(value)


def _keep(value: Any) -> Any:
    return value


def dacite_config(
    forward_references: Mapping[str, Any] | None = None, type_hooks: Mapping[Any, Callable[[Any], Any]] | None = None
) -> dacite.Config:
    """The strict dacite settings of snnrl configs: unknown fields refused, types checked, lists cast to
    tuple fields, ints accepted for float fields, 'none' for optional fields. ``forward_references`` may
    map a class name in an annotation to another type (e.g. a union of the classes a field accepts)."""
    hooks: dict[Any, Callable[[Any], Any]] = {float: _to_float}
    for inner, hook in ((float, _to_float), (int, _keep), (str, _keep)):
        hooks[inner | None] = _optional(hook)  # also the key of typing.Optional[inner] (equal, same hash)
    hooks.update(type_hooks or {})
    return dacite.Config(
        type_hooks=hooks,
        cast=[tuple],
        strict=True,
        forward_references=dict(forward_references) if forward_references else None,
    )


def build_dataclass(
    cls: type[T], data: Mapping[str, Any], config: dacite.Config | None = None, source: str | None = None
) -> T:
    """``cls`` built from the nested dict ``data`` (strict: see dacite_config); the class's own
    ``__post_init__`` checks run as usual. ConfigError naming the field path and ``source`` (a file,
    'overrides', ...) when a value has the wrong type, a field is unknown or a check fails."""
    where = f" (from {source})" if source else ""
    try:
        return dacite.from_dict(cls, dict(data), config or dacite_config())
    except dacite.DaciteFieldError as error:
        raise ConfigError(f"{error}{where}") from None
    except dacite.UnexpectedDataError as error:
        raise ConfigError(f"{cls.__name__}: {error}{where}") from None
    except (ValueError, TypeError) as error:  # a __post_init__ check
        raise ConfigError(f"{error}{where}") from None


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted leaf paths of a nested dict: {'a': {'b': 1}} -> {'a.b': 1}. Empty dicts give nothing."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of flatten: {'a.b': 1} -> {'a': {'b': 1}}."""
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        *parents, name = path.split(".")
        node = tree
        for parent in parents:
            node = node.setdefault(parent, {})
        node[name] = value
    return tree


def merge(base: Mapping[str, Any], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with each layer merged on top (later layers win; nested dicts merge key by key)."""
    merged = OmegaConf.merge(OmegaConf.create(dict(base)), *(OmegaConf.create(dict(layer)) for layer in layers))
    return OmegaConf.to_container(merged, resolve=True)


def resolve_key(key: str, leaves: Iterable[str], source: str, prefixes: Sequence[str] = ()) -> str:
    """The dotted leaf path that ``key`` names: itself, or ``prefix + key`` for the first of ``prefixes``
    that gives a leaf (short forms such as 'agent.learning_rate' for 'algorithm.agent.learning_rate').
    ConfigError naming ``source`` and the closest valid key otherwise (or the fields of a group when
    ``key`` names a group of fields rather than a value, the full keys when it is the end of several)."""
    leaves = list(leaves)
    valid = set(leaves)
    for candidate in (key, *(prefix + key for prefix in prefixes)):
        if candidate in valid:
            return candidate
    for candidate in (key, *(prefix + key for prefix in prefixes)):
        members = [leaf for leaf in leaves if leaf.startswith(candidate + ".")]
        if members:
            raise ConfigError(
                f"{candidate} (in {source}) is a group of fields, not a value; set its fields, "
                f"e.g. {', '.join(members[:3])}"
            )
    endings = [leaf for leaf in leaves if leaf.endswith("." + key)]
    if endings:
        raise ConfigError(
            f"config key {key!r} (in {source}) is ambiguous; write the full key: {', '.join(endings[:6])}"
        )
    scores = {leaf: _similarity(key, leaf, prefixes) for leaf in leaves}
    # among equally close keys, the shortest path (a top-level 'games' before 'a.b.games')
    close = max(scores, key=lambda leaf: (scores[leaf], -leaf.count(".")), default=None)
    hint = f"; did you mean {close!r}?" if close is not None and scores[close] >= SUGGESTION_CUTOFF else ""
    raise ConfigError(f"unknown config key {key!r} (in {source}){hint} (`snnrl config show` lists every key)")


def _similarity(key: str, leaf: str, prefixes: Sequence[str]) -> float:
    """How close ``key`` is to the leaf path ``leaf``, as written: the best difflib ratio of ``key``
    against the whole path, its short form (the path without one of ``prefixes``) and its last as many
    parts as ``key`` has. A prefix is never added to ``key``: 'algorithm.gamez' is as close to
    'algorithm.mode' as to 'algorithm.games' only because of the prefix both share."""
    tail = ".".join(leaf.split(".")[-(key.count(".") + 1) :])
    short = [leaf[len(prefix) :] for prefix in prefixes if leaf.startswith(prefix)]
    return max(difflib.SequenceMatcher(None, key, written).ratio() for written in (leaf, tail, *short))


def parse_assignments(assignments: Sequence[str]) -> dict[str, Any]:
    """Dotted ``KEY=VALUE`` strings -> {KEY: value}, values parsed as YAML by OmegaConf (2e-3 -> float,
    5 -> int, true -> bool, null -> None, [1, 2] -> list, anything else a string). ConfigError for an
    item that is not KEY=VALUE, or a KEY given twice (the last would silently win)."""
    parsed: dict[str, Any] = {}
    for item in assignments:
        key, equals, value = item.partition("=")
        if not equals or not key.strip() or any(not part for part in key.strip().split(".")):
            raise ConfigError(f"override {item!r} is not KEY=VALUE (e.g. algorithm.agent.learning_rate=2e-3)")
        key = key.strip()
        if key in parsed:
            raise ConfigError(f"override {key!r} is given twice; give each key once")
        try:
            container = OmegaConf.to_container(OmegaConf.from_dotlist([f"value={value}"]), resolve=True)
        except OmegaConfBaseException as error:
            raise ConfigError(f"override {item!r}: cannot parse the value: {error}") from None
        parsed[key] = container["value"]
    return parsed


# Byte-order marks of the encodings a text editor may save a config file in instead of UTF-8.
BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def read_config_text(path: Path) -> str:
    """The text of the config file ``path`` (UTF-8, a UTF-8 byte-order mark allowed). ConfigError naming
    the file if it is missing, unreadable, empty, or in another encoding (UTF-16 / UTF-32, other bytes)."""
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror or error}") from None
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            raise ConfigError(f"config file {path} is {encoding} text; snnrl reads UTF-8: save it as UTF-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {data[error.start]:#04x} at position {error.start}): "
            "save it as UTF-8"
        ) from None
    if not text.strip():
        raise ConfigError(f"config file {path} is empty; it must hold a mapping of config keys")
    return text


def read_config_file(path: Path | str) -> dict[str, Any]:
    """A config file (.json, .yaml or .yml) as a nested dict. ConfigError naming the file and the problem
    if it is missing, of another kind, unreadable, empty, not UTF-8, not valid JSON / YAML (a truncated
    file among them: the message gives the line and column, on one line) or not a mapping at its top level."""
    path = Path(path)
    kind = FILE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"config file {path} must end in {', '.join(FILE_FORMATS)}")
    text = read_config_text(path)
    try:
        data = json.loads(text) if kind == "json" else OmegaConf.to_container(OmegaConf.create(text), resolve=True)
    except (json.JSONDecodeError, yaml.YAMLError, OmegaConfBaseException, ValueError) as error:
        problem = " ".join(str(error).replace('"<unicode string>", ', "").split())
        raise ConfigError(
            f"config file {path} is not valid {kind.upper()} (truncated or mistyped?): {problem}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path} must hold a mapping of config keys at its top level, not {type(data).__name__}"
        )
    return data


def dump(tree: Mapping[str, Any], fmt: str = "yaml") -> str:
    """A nested dict as text: 'json' (sorted keys, indent 2) or 'yaml'."""
    if fmt == "json":
        return json.dumps(tree, indent=2, sort_keys=True) + "\n"
    if fmt == "yaml":
        return OmegaConf.to_yaml(OmegaConf.create(dict(tree)), sort_keys=True)
    raise ConfigError(f"unknown format {fmt!r}; allowed: json, yaml")
