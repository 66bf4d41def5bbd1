"""Place a hidden-layer spec on a chip: neurons on cores, CAM entries per neuron, per-core biases.

Hidden neuron j goes to the (j // usable)-th given core, on the (j % usable)-th usable neuron id
(reserved ids such as neuron 0 skipped): 510 neurons fill 2 DYNAP-SE1 cores with ids 1..255. A
connection of multiplicity m from source i becomes m CAM entries (source core, source neuron, type).
Checks, each raising ``MappingError`` that names the neuron and the limit: integer non-negative
weights, fan-in (CAM entries per neuron), capacity of the given cores, valid and distinct source
addresses, and aliasing (two sources with the same (core, neuron) tag reaching one core).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from snnrl.hardware.chip.description import DYNAPSE1, ChipDescription, SynapseType
from snnrl.hardware.chip.spec import (
    BiasGroup,
    CoreParameters,
    HiddenLayerSpec,
    MappingError,
    SourceAddress,
    integer_multiplicities,
)

__all__ = ["MappedNetwork", "MappingError", "map_hidden_layer", "default_cores", "check_layer_fits"]


@dataclass(frozen=True, eq=False)
class MappedNetwork:
    """A hidden layer placed on a chip.

    sources / source_types: (n_sources,) as in the spec. placement: (n_hidden, 3) int (chip, core, neuron).
    cam_entries: per hidden neuron an int array (n_entries, 3) of (listen core, listen neuron, synapse
    type index), one row per CAM entry (a multiplicity m gives m equal rows). cores: the (chip, core)
    pairs used, each with ``biases`` and ``parameters``.
    """

    chip: ChipDescription
    sources: tuple[SourceAddress, ...]
    source_types: tuple[SynapseType, ...]
    placement: np.ndarray
    cam_entries: tuple[np.ndarray, ...]
    cores: tuple[tuple[int, int], ...]
    parameters: CoreParameters
    biases: BiasGroup

    @property
    def n_sources(self) -> int:
        """Number of input sources."""
        return len(self.sources)

    @property
    def n_hidden(self) -> int:
        """Number of placed hidden neurons."""
        return int(self.placement.shape[0])

    def source_index_by_tag(self) -> dict[tuple[int, int], int]:
        """{(core, neuron) tag: source index}; unique because the mapper rejects aliasing."""
        return {source.tag: i for i, source in enumerate(self.sources)}

    def multiplicity(self) -> np.ndarray:
        """Integer weights (n_sources, n_hidden) rebuilt from the CAM entries."""
        lookup = self.source_index_by_tag()
        matrix = np.zeros((self.n_sources, self.n_hidden), dtype=np.int64)
        for j, entries in enumerate(self.cam_entries):
            for core, neuron, _ in entries:
                matrix[lookup[(int(core), int(neuron))], j] += 1
        return matrix

    def generator_targets(self) -> dict[int, dict[int, int]]:
        """{source index of a generator: {target chip: core mask}} over the cores its CAM entries sit on
        (computed once: the chip backend needs it every agent step; do not modify the returned dict)."""
        return self._generator_targets

    @functools.cached_property
    def _generator_targets(self) -> dict[int, dict[int, int]]:
        lookup = self.source_index_by_tag()
        targets: dict[int, dict[int, int]] = {}
        for (chip, core, _), entries in zip(self.placement, self.cam_entries, strict=True):
            for listen_core, listen_neuron, _ in entries:
                i = lookup[(int(listen_core), int(listen_neuron))]
                if self.sources[i].is_generator:
                    masks = targets.setdefault(i, {})
                    masks[int(chip)] = masks.get(int(chip), 0) | (1 << int(core))
        return targets

    def generator_id(self, source_index: int) -> int:
        """FPGA generator id of a generator source: core * neurons_per_core + neuron."""
        source = self.sources[source_index]
        if not source.is_generator:
            raise ValueError(f"source {source_index} is an on-chip neuron, not an FPGA generator")
        return source.core * self.chip.neurons_per_core + source.neuron


def default_cores(n_hidden: int, chip: ChipDescription = DYNAPSE1) -> tuple[tuple[int, int], ...]:
    """The first cores (chip-major) that hold ``n_hidden`` neurons: 510 -> ((0, 0), (0, 1)) on DYNAP-SE1."""
    per_core = len(chip.usable_neuron_ids)
    needed = -(-n_hidden // per_core)
    if needed > chip.n_cores:
        raise MappingError(
            f"{n_hidden} hidden neurons do not fit on {chip.name}: its {chip.n_cores} cores hold "
            f"{chip.n_cores * per_core} usable neurons ({per_core} per core)"
        )
    return tuple(divmod(k, chip.cores_per_chip) for k in range(needed))


def _check_cores(cores: tuple[tuple[int, int], ...], n_hidden: int, chip: ChipDescription) -> None:
    for chip_id, core in cores:
        if not (0 <= chip_id < chip.n_chips and 0 <= core < chip.cores_per_chip):
            raise MappingError(
                f"core (chip {chip_id}, core {core}) does not exist on {chip.name} "
                f"({chip.n_chips} chips x {chip.cores_per_chip} cores)"
            )
    if len(set(cores)) != len(cores):
        raise MappingError(f"cores must be distinct, got {cores}")
    per_core = len(chip.usable_neuron_ids)
    if n_hidden > len(cores) * per_core:
        raise MappingError(
            f"{n_hidden} hidden neurons do not fit: the {len(cores)} given core(s) hold "
            f"{len(cores) * per_core} ({chip.neurons_per_core} neurons per core, reserved ids "
            f"{chip.reserved_neuron_ids}); hidden neuron {len(cores) * per_core} is the first without a place"
        )


def _check_sources(sources: tuple[SourceAddress, ...], chip: ChipDescription) -> None:
    seen: dict[SourceAddress, int] = {}
    for i, source in enumerate(sources):
        chips = 1 if source.is_generator else chip.n_chips
        if not (
            0 <= source.chip < chips
            and 0 <= source.core < chip.cores_per_chip
            and 0 <= source.neuron < chip.neurons_per_core
        ):
            raise MappingError(f"source {i} has an invalid address: {source.describe()} on chip {source.chip}")
        if source in seen:
            raise MappingError(f"sources {seen[source]} and {i} have the same address: {source.describe()}")
        seen[source] = i


def _check_aliasing(
    sources: tuple[SourceAddress, ...],
    multiplicity: np.ndarray,
    placement: np.ndarray,
    cores: tuple[tuple[int, int], ...],
) -> None:
    for chip_id, core in cores:
        in_core = np.flatnonzero((placement[:, 0] == chip_id) & (placement[:, 1] == core))
        by_tag: dict[tuple[int, int], int] = {}
        for i in np.flatnonzero(multiplicity[:, in_core].any(axis=1)):
            tag = sources[i].tag
            if tag in by_tag:
                first = by_tag[tag]
                neuron = int(in_core[np.argmax(multiplicity[i, in_core] > 0)])
                raise MappingError(
                    f"aliasing on chip {chip_id} core {core}: hidden neuron {neuron} listens to source {i} "
                    f"({sources[i].describe()}, chip {sources[i].chip}), but source {first} "
                    f"({sources[first].describe()}, chip {sources[first].chip}) also reaches this core with the same "
                    f"CAM tag (core {tag[0]}, neuron {tag[1]}); a CAM entry matches only (core, neuron)"
                )
            by_tag[tag] = int(i)


def check_layer_fits(
    sources: tuple[SourceAddress, ...],
    n_hidden: int,
    fan_in_bound: int,
    biases: BiasGroup,
    chip: ChipDescription = DYNAPSE1,
    cores: tuple[tuple[int, int], ...] | None = None,
) -> None:
    """Before any weight is drawn: MappingError (naming the limit) unless every layer with these sources,
    ``n_hidden`` neurons and at most ``fan_in_bound`` CAM entries per neuron can be placed on ``chip``
    by ``map_hidden_layer``: valid and distinct source addresses, biases, cores, fan-in, and distinct
    CAM tags among all sources (so no draw can alias). What this accepts, ``map_hidden_layer`` maps."""
    biases.validate(chip)
    _check_sources(sources, chip)
    cores = default_cores(n_hidden, chip) if cores is None else tuple((int(c), int(k)) for c, k in cores)
    _check_cores(cores, n_hidden, chip)
    if fan_in_bound > chip.cam_entries_per_neuron:
        raise MappingError(
            f"a hidden neuron may need up to {fan_in_bound} CAM entries, more than the "
            f"{chip.cam_entries_per_neuron} per neuron of {chip.name} (fan-in limit)"
        )
    tags: dict[tuple[int, int], int] = {}
    for i, source in enumerate(sources):
        if source.tag in tags:
            raise MappingError(
                f"sources {tags[source.tag]} and {i} share the CAM tag (core {source.tag[0]}, neuron "
                f"{source.tag[1]}); a neuron listening to both would alias them"
            )
        tags[source.tag] = i


def map_hidden_layer(
    spec: HiddenLayerSpec, chip: ChipDescription = DYNAPSE1, cores: tuple[tuple[int, int], ...] | None = None
) -> MappedNetwork:
    """Place ``spec`` on ``chip``; cores: (chip, core) pairs to fill in order (default: ``default_cores``)."""
    multiplicity = integer_multiplicities(spec.weights)
    if len(spec.sources) != spec.n_sources or len(spec.source_types) != spec.n_sources:
        raise MappingError(
            f"the spec has {spec.n_sources} weight rows but {len(spec.sources)} sources and "
            f"{len(spec.source_types)} source types; they must match"
        )
    spec.biases.validate(chip)
    _check_sources(spec.sources, chip)
    cores = default_cores(spec.n_hidden, chip) if cores is None else tuple((int(c), int(k)) for c, k in cores)
    _check_cores(cores, spec.n_hidden, chip)
    fan_in = multiplicity.sum(axis=0)
    over = np.flatnonzero(fan_in > chip.cam_entries_per_neuron)
    usable = np.array(chip.usable_neuron_ids)
    hidden = np.arange(spec.n_hidden)
    core_of = np.array(cores)[hidden // len(usable)]
    placement = np.column_stack([core_of, usable[hidden % len(usable)]]).astype(np.int64)
    if over.size:
        j = int(over[0])
        raise MappingError(
            f"hidden neuron {j} (chip {placement[j, 0]}, core {placement[j, 1]}, neuron "
            f"{placement[j, 2]}) needs {int(fan_in[j])} CAM entries, more than the "
            f"{chip.cam_entries_per_neuron} per neuron of {chip.name} (fan-in limit)"
        )
    _check_aliasing(spec.sources, multiplicity, placement, cores)
    rows = np.array(
        [(s.core, s.neuron, t.index) for s, t in zip(spec.sources, spec.source_types, strict=True)], dtype=np.int64
    )
    cam_entries = tuple(np.repeat(rows, multiplicity[:, j], axis=0) for j in range(spec.n_hidden))
    used = tuple(c for c in cores if ((placement[:, 0] == c[0]) & (placement[:, 1] == c[1])).any())
    return MappedNetwork(
        chip=chip,
        sources=spec.sources,
        source_types=spec.source_types,
        placement=placement,
        cam_entries=cam_entries,
        cores=used,
        parameters=spec.parameters,
        biases=spec.biases,
    )
