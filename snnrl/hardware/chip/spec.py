"""What a fixed hidden layer is, before it is placed on a chip: sources, integer weights, types, parameters.

``CoreParameters`` are model-level values (ms, dimensionless membrane) that the JAX LIF and the
simulated chip use; ``BiasGroup`` holds the chip's bias currents (coarse 0-7 / fine 0-255) that the
real chip uses. There is no calibrated conversion between the two; both travel together in the spec,
the mapped network and its JSON export. Bias values not listed keep samna's default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from snnrl.hardware.chip.connectivity import Connectivity
from snnrl.hardware.chip.description import DYNAPSE1, SYNAPSE_TYPES, ChipDescription, SynapseType, synapse_type


class MappingError(ValueError):
    """A hidden layer that the chip cannot implement; the message names the neuron and the limit."""


def integer_multiplicities(weights: np.ndarray) -> np.ndarray:
    """Check weights (n_sources, n_hidden) are non-negative integers; return them as int64.

    Raises MappingError naming the first offending (source, hidden neuron) and its value.
    """
    matrix = np.asarray(weights)
    if matrix.dtype == bool or not (
        np.issubdtype(matrix.dtype, np.integer) or np.issubdtype(matrix.dtype, np.floating)
    ):
        raise MappingError(f"weights must be an integer matrix of multiplicities, got dtype {matrix.dtype}")
    if np.issubdtype(matrix.dtype, np.floating):
        bad = ~np.isfinite(matrix) | (matrix != np.round(matrix))
        if bad.any():
            source, neuron = (int(i) for i in np.argwhere(bad)[0])
            raise MappingError(
                f"weights[{source}, {neuron}] = {matrix[source, neuron].item()!r} (source {source} -> hidden "
                f"neuron {neuron}) is not an integer; the chip only repeats CAM entries (integer weights)"
            )
    negative = matrix < 0
    if negative.any():
        source, neuron = (int(i) for i in np.argwhere(negative)[0])
        raise MappingError(
            f"weights[{source}, {neuron}] = {matrix[source, neuron].item()!r} (source {source} -> hidden "
            f"neuron {neuron}) is negative; multiplicities must be >= 0 (inhibition is a synapse type)"
        )
    return matrix.astype(np.int64)


@dataclass(frozen=True)
class SourceAddress:
    """Where a hidden neuron's input comes from: an FPGA generator (chip, core, neuron derived from its
    generator id, chip 0) or an on-chip neuron (chip, core, neuron). Its CAM tag is (core, neuron)."""

    chip: int
    core: int
    neuron: int
    is_generator: bool

    @property
    def tag(self) -> tuple[int, int]:
        """(core, neuron): all that a CAM entry can match."""
        return self.core, self.neuron

    def describe(self) -> str:
        """Human-readable address, e.g. 'FPGA generator (core 0, neuron 5)'."""
        if self.is_generator:
            return f"FPGA generator (core {self.core}, neuron {self.neuron})"
        return f"neuron (chip {self.chip}, core {self.core}, neuron {self.neuron})"


def generator_sources(
    n_sources: int, first_generator_id: int = 1, chip: ChipDescription = DYNAPSE1
) -> tuple[SourceAddress, ...]:
    """FPGA generators ``first_generator_id .. first_generator_id + n_sources - 1`` as source addresses.

    The default starts at 1, leaving the tag (core 0, neuron 0) unused: neuron 0 of a core is best left free
    on the DYNAP-SE1 (docs/howto/chip.md).
    """
    last = first_generator_id + n_sources - 1
    if first_generator_id < 0 or last >= chip.n_fpga_generators:
        raise ValueError(
            f"generator ids {first_generator_id}..{last} exceed the {chip.n_fpga_generators} FPGA "
            f"generators of {chip.name}"
        )
    return tuple(SourceAddress(0, *chip.generator_tag(first_generator_id + i), True) for i in range(n_sources))


@dataclass(frozen=True)
class CoreParameters:
    """Model-level parameters shared by all neurons of a core (times in ms, membrane dimensionless).

    Discrete dynamics per bin dt (see ``snnrl.hardware.lif``): each source's spikes feed a trace with
    the synapse type's time constant; the membrane integrates trace @ (multiplicity * signed type
    weight) with leak exp(-dt/tau_mem), spikes at ``threshold`` and resets to 0.
    synapse_weight / synapse_tau_ms: per type in SYNAPSE_TYPES order (AMPA, NMDA, GABA_A, GABA_B);
    weights are magnitudes, GABA types enter with a minus sign. The defaults (not a chip calibration)
    give the 510-neuron agent layer of the neuromorphic study (docs/science.md) ≈ 44 Hz mean rate, ≈ 41 % of neurons
    spiking per step
    over uniformly random Pong states, with regular input trains.
    """

    tau_mem_ms: float = 20.0
    threshold: float = 1.0
    synapse_weight: tuple[float, float, float, float] = (0.025, 0.025, 0.025, 0.025)
    synapse_tau_ms: tuple[float, float, float, float] = (2.0, 5.0, 2.0, 5.0)

    def __post_init__(self) -> None:
        for name in ("tau_mem_ms", "threshold"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"CoreParameters.{name} must be finite and > 0, got {value!r}")
        for name in ("synapse_weight", "synapse_tau_ms"):
            value = getattr(self, name)
            if len(value) != len(SYNAPSE_TYPES) or not all(math.isfinite(v) for v in value):
                raise ValueError(
                    f"CoreParameters.{name} must hold {len(SYNAPSE_TYPES)} finite values "
                    f"(AMPA, NMDA, GABA_A, GABA_B), got {value!r}"
                )
        if any(w < 0 for w in self.synapse_weight):
            raise ValueError(
                f"CoreParameters.synapse_weight are magnitudes and must be >= 0, got {self.synapse_weight}"
            )
        if any(t <= 0 for t in self.synapse_tau_ms):
            raise ValueError(f"CoreParameters.synapse_tau_ms must be > 0, got {self.synapse_tau_ms}")

    def signed_weight(self, kind: SynapseType) -> float:
        """Weight of one CAM entry of this type, with the type's sign."""
        return kind.sign * self.synapse_weight[kind.index]


@dataclass(frozen=True)
class BiasGroup:
    """Bias values of one core's parameter group: ((name, coarse, fine), ...); names not listed keep
    samna's default. Validated against a chip's names and ranges by ``validate``."""

    values: tuple[tuple[str, int, int], ...] = ()

    def validate(self, chip: ChipDescription) -> None:
        """Raise ValueError naming the bias if a name is unknown, repeated, or a value is out of range."""
        seen: set[str] = set()
        for name, coarse, fine in self.values:
            if name not in chip.bias_names:
                raise ValueError(f"unknown bias {name!r} for {chip.name}; valid names: {', '.join(chip.bias_names)}")
            if name in seen:
                raise ValueError(f"bias {name!r} is given twice")
            seen.add(name)
            if not (isinstance(coarse, int) and 0 <= coarse <= chip.bias_coarse_max):
                raise ValueError(
                    f"bias {name}: coarse value must be an integer in 0..{chip.bias_coarse_max}, got {coarse!r}"
                )
            if not (isinstance(fine, int) and 0 <= fine <= chip.bias_fine_max):
                raise ValueError(f"bias {name}: fine value must be an integer in 0..{chip.bias_fine_max}, got {fine!r}")

    def as_dict(self) -> dict[str, tuple[int, int]]:
        """{name: (coarse, fine)}."""
        return {name: (coarse, fine) for name, coarse, fine in self.values}


# Bias values of the neuromorphic dreaming study (agent cores 0-1 and world-model cores 2-3).
_PAPER_COMMON = (
    ("IF_THR_N", 0, 0),
    ("IF_RFR_N", 2, 128),
    ("IF_TAU1_N", 3, 150),
    ("IF_TAU2_N", 3, 150),
    ("IF_DC_P", 0, 0),
    ("NPDPIE_TAU_F_P", 7, 255),
    ("NPDPIE_THR_F_P", 5, 200),
    ("PS_WEIGHT_EXC_F_N", 6, 200),
    ("NPDPIE_TAU_S_P", 2, 100),
    ("NPDPIE_THR_S_P", 5, 200),
    ("NPDPII_THR_F_P", 5, 200),
    ("PS_WEIGHT_INH_F_N", 6, 120),
    ("NPDPII_THR_S_P", 5, 200),
    ("PS_WEIGHT_INH_S_N", 7, 255),
)
PAPER_AGENT_BIASES = BiasGroup(
    _PAPER_COMMON + (("PS_WEIGHT_EXC_S_N", 5, 47), ("NPDPII_TAU_F_P", 7, 255), ("NPDPII_TAU_S_P", 7, 255))
)
PAPER_WORLD_MODEL_BIASES = BiasGroup(
    _PAPER_COMMON + (("PS_WEIGHT_EXC_S_N", 4, 50), ("NPDPII_TAU_F_P", 3, 150), ("NPDPII_TAU_S_P", 3, 150))
)


@dataclass(frozen=True, eq=False)
class HiddenLayerSpec:
    """A feed-forward hidden layer to place on a chip.

    weights: (n_sources, n_hidden) non-negative integer multiplicities (CAM entries per connection).
    source_types: (n_sources,) synapse type of each source's connections.
    sources: (n_sources,) addresses; by default FPGA generators 1..n_sources.
    parameters / biases: shared by every core the layer occupies.
    """

    weights: np.ndarray
    source_types: tuple[SynapseType, ...]
    sources: tuple[SourceAddress, ...]
    parameters: CoreParameters = field(default_factory=CoreParameters)
    biases: BiasGroup = PAPER_AGENT_BIASES

    @property
    def n_sources(self) -> int:
        """Number of input sources (rows of weights)."""
        return int(np.shape(self.weights)[0])

    @property
    def n_hidden(self) -> int:
        """Number of hidden neurons (columns of weights)."""
        return int(np.shape(self.weights)[1])


def hidden_layer_spec(
    weights: np.ndarray | Connectivity,
    source_types: str | SynapseType | tuple = "NMDA",
    parameters: CoreParameters | None = None,
    biases: BiasGroup = PAPER_AGENT_BIASES,
    sources: tuple[SourceAddress, ...] | None = None,
    first_generator_id: int = 1,
    chip: ChipDescription = DYNAPSE1,
) -> HiddenLayerSpec:
    """Build a spec from weights (n_sources, n_hidden) or a Connectivity; one type for all sources or one each.

    The weights are kept as given (the mapper reports non-integer or negative entries); shapes and
    types are checked here.
    """
    matrix = weights.multiplicity if isinstance(weights, Connectivity) else np.asarray(weights)
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(f"weights must be a non-empty (n_sources, n_hidden) matrix, got shape {matrix.shape}")
    n_sources = matrix.shape[0]
    if isinstance(source_types, (str, SynapseType)):
        types = (synapse_type(source_types),) * n_sources
    else:
        types = tuple(synapse_type(t) for t in source_types)
    if len(types) != n_sources:
        raise ValueError(f"source_types must hold one type per source ({n_sources}), got {len(types)}")
    if sources is None:
        sources = generator_sources(n_sources, first_generator_id, chip)
    if len(sources) != n_sources:
        raise ValueError(f"sources must hold one address per source ({n_sources}), got {len(sources)}")
    return HiddenLayerSpec(
        weights=matrix,
        source_types=types,
        sources=tuple(sources),
        parameters=parameters or CoreParameters(),
        biases=biases,
    )
