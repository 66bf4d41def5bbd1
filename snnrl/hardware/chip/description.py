"""Neuromorphic chips described as data (docs/howto/chip.md): limits the mapper checks and the backends honour.

A chip is a frozen ``ChipDescription``; DYNAP-SE1 is the instance ``DYNAPSE1``. Another chip (e.g.
DYNAP-SE2) is added as another instance and an entry in ``CHIPS``; nothing else branches on the name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SynapseType(str, Enum):
    """DYNAP-SE1 synapse types (samna ``Dynapse1SynType`` names); GABA types inhibit."""

    AMPA = "AMPA"
    NMDA = "NMDA"
    GABA_A = "GABA_A"
    GABA_B = "GABA_B"

    @property
    def sign(self) -> float:
        """+1 for excitatory (AMPA, NMDA), -1 for inhibitory (GABA_A, GABA_B)."""
        return -1.0 if self in (SynapseType.GABA_A, SynapseType.GABA_B) else 1.0

    @property
    def index(self) -> int:
        """Position in ``SYNAPSE_TYPES`` (AMPA 0, NMDA 1, GABA_A 2, GABA_B 3)."""
        return SYNAPSE_TYPES.index(self)


SYNAPSE_TYPES: tuple[SynapseType, ...] = tuple(SynapseType)


def synapse_type(value: str | SynapseType) -> SynapseType:
    """Parse a synapse type name; raise ValueError listing the valid names."""
    try:
        return SynapseType(value)
    except ValueError:
        valid = ", ".join(t.value for t in SYNAPSE_TYPES)
        raise ValueError(f"unknown synapse type {value!r}; valid types: {valid}") from None


DYNAPSE1_BIAS_NAMES: tuple[str, ...] = (
    "IF_AHTAU_N",
    "IF_AHTHR_N",
    "IF_AHW_P",
    "IF_BUF_P",
    "IF_CASC_N",
    "IF_DC_P",
    "IF_NMDA_N",
    "IF_RFR_N",
    "IF_TAU1_N",
    "IF_TAU2_N",
    "IF_THR_N",
    "NPDPIE_TAU_F_P",
    "NPDPIE_TAU_S_P",
    "NPDPIE_THR_F_P",
    "NPDPIE_THR_S_P",
    "NPDPII_TAU_F_P",
    "NPDPII_TAU_S_P",
    "NPDPII_THR_F_P",
    "NPDPII_THR_S_P",
    "PS_WEIGHT_EXC_F_N",
    "PS_WEIGHT_EXC_S_N",
    "PS_WEIGHT_INH_F_N",
    "PS_WEIGHT_INH_S_N",
    "PULSE_PWLK_P",
    "R2R_P",
)


@dataclass(frozen=True)
class ChipDescription:
    """Static limits of a multi-chip neuromorphic board.

    Neurons are addressed (chip, core, neuron). A CAM entry stores only the source's (core, neuron) tag
    and a synapse type, so sources with equal tags on different chips alias. Weights exist only as one
    bias per synapse type per core: an integer weight is that many repeated CAM entries. FPGA spike
    generators send events with an inter-spike interval in units of ``isi_multiplier / fpga_clock_mhz`` µs.
    """

    name: str
    n_chips: int
    cores_per_chip: int
    neurons_per_core: int
    cam_entries_per_neuron: int
    sram_destinations_per_neuron: int
    synapse_types: tuple[SynapseType, ...]
    bias_names: tuple[str, ...]
    bias_coarse_max: int
    bias_fine_max: int
    reserved_neuron_ids: tuple[int, ...]
    n_fpga_generators: int
    fpga_clock_mhz: float
    fpga_isi_bits: int
    fpga_max_preloaded_events: int
    timestamp_bits: int
    timestamp_unit_us: float

    def __post_init__(self) -> None:
        for name in (
            "n_chips",
            "cores_per_chip",
            "neurons_per_core",
            "cam_entries_per_neuron",
            "sram_destinations_per_neuron",
            "n_fpga_generators",
            "fpga_isi_bits",
            "fpga_max_preloaded_events",
            "timestamp_bits",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"ChipDescription.{name} must be an integer >= 1, got {value!r}")
        if any(not 0 <= n < self.neurons_per_core for n in self.reserved_neuron_ids):
            raise ValueError(
                f"ChipDescription.reserved_neuron_ids must lie in [0, {self.neurons_per_core}), "
                f"got {self.reserved_neuron_ids}"
            )

    @property
    def n_cores(self) -> int:
        """Cores on the whole board."""
        return self.n_chips * self.cores_per_chip

    @property
    def usable_neuron_ids(self) -> tuple[int, ...]:
        """Neuron ids of one core that the mapper may use (reserved ids removed), ascending."""
        return tuple(n for n in range(self.neurons_per_core) if n not in self.reserved_neuron_ids)

    @property
    def max_isi(self) -> int:
        """Largest FPGA inter-spike interval, in ISI units."""
        return 2**self.fpga_isi_bits - 1

    @property
    def timestamp_wrap_us(self) -> float:
        """Period after which the event timestamps wrap around, in µs."""
        return 2**self.timestamp_bits * self.timestamp_unit_us

    def isi_unit_us(self, isi_multiplier: int) -> float:
        """Duration of one FPGA ISI unit for an ISI multiplier (isi_base): multiplier / clock µs."""
        return isi_multiplier / self.fpga_clock_mhz

    def generator_tag(self, generator_id: int) -> tuple[int, int]:
        """(core, neuron) tag that FPGA generator ``generator_id`` carries into the CAMs."""
        if not 0 <= generator_id < self.n_fpga_generators:
            raise ValueError(
                f"FPGA generator id must lie in [0, {self.n_fpga_generators}) on {self.name}, got {generator_id}"
            )
        return divmod(generator_id, self.neurons_per_core)


DYNAPSE1 = ChipDescription(
    name="dynapse1",
    n_chips=4,
    cores_per_chip=4,
    neurons_per_core=256,
    cam_entries_per_neuron=64,
    sram_destinations_per_neuron=4,
    synapse_types=SYNAPSE_TYPES,
    bias_names=DYNAPSE1_BIAS_NAMES,
    bias_coarse_max=7,
    bias_fine_max=255,
    reserved_neuron_ids=(0,),
    n_fpga_generators=1024,
    fpga_clock_mhz=90.0,
    fpga_isi_bits=16,
    fpga_max_preloaded_events=2**15 - 1,
    timestamp_bits=32,
    timestamp_unit_us=1.0,
)

CHIPS: dict[str, ChipDescription] = {DYNAPSE1.name: DYNAPSE1}


def get_chip(name: str) -> ChipDescription:
    """Look up a chip description by name; raise ValueError listing the known chips."""
    if name not in CHIPS:
        raise ValueError(f"unknown chip {name!r}; known chips: {', '.join(sorted(CHIPS))}")
    return CHIPS[name]
