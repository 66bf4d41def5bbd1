"""A recording stand-in for ``samna`` (DYNAP-SE1 parts only), for tests. Never imports the real samna.

``make_fake_samna()`` returns (module, calls): insert the module as ``sys.modules["samna"]``; ``calls``
lists ("object.method", args) in call order. The fake board is a toy chip: when the FPGA generator
starts, every preloaded event makes each CAM entry that matches its (core, neuron) tag on the target
chip's masked cores emit one output spike, so a neuron's count is (input spikes) @ (multiplicity).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

BIAS_NAMES = (
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


class _Lazy:
    """A fixed-length list whose items are created on first access (a full config has 262144 synapses)."""

    def __init__(self, length: int, make: Any) -> None:
        self._length, self._make, self.items = length, make, {}

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < self._length:
            raise IndexError(index)
        if index not in self.items:
            self.items[index] = self._make()
        return self.items[index]

    def __len__(self) -> int:
        return self._length


@dataclass
class Synapse:
    listen_core_id: int = 0
    listen_neuron_id: int = 0
    syn_type: Any = None


class Neuron:
    def __init__(self) -> None:
        self.synapses = _Lazy(64, Synapse)


class Core:
    def __init__(self) -> None:
        self.neurons = _Lazy(256, Neuron)


class Chip:
    def __init__(self) -> None:
        self.cores = _Lazy(4, Core)


class Dynapse1Configuration:
    def __init__(self) -> None:
        self.chips = _Lazy(4, Chip)

    def cam_listeners(self) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
        """{(listen core, listen neuron): [(chip, core, neuron) once per written CAM entry]}."""
        listeners: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        for chip_id, chip in self.chips.items.items():
            for core_id, core in chip.cores.items.items():
                for neuron_id, neuron in core.neurons.items.items():
                    for synapse in neuron.synapses.items.values():
                        if synapse.syn_type is not None:
                            tag = (synapse.listen_core_id, synapse.listen_neuron_id)
                            listeners.setdefault(tag, []).append((chip_id, core_id, neuron_id))
        return listeners


class Dynapse1SynType:
    AMPA, NMDA, GABA_A, GABA_B = "AMPA", "NMDA", "GABA_A", "GABA_B"


@dataclass
class Dynapse1Parameter:
    param_name: str
    coarse_value: int = 0
    fine_value: int = 0


class Dynapse1ParameterGroup:
    def __init__(self) -> None:
        self.param_map = {name: Dynapse1Parameter(name) for name in BIAS_NAMES}


@dataclass
class FpgaSpikeEvent:
    core_mask: int = 0
    target_chip: int = 0
    neuron_id: int = 0
    isi: int = 0


@dataclass
class Spike:
    timestamp: int
    chip_id: int
    core_id: int
    neuron_id: int


@dataclass
class DeviceInfo:
    device_type_name: str
    serial_number: str = "fake-0"


@dataclass
class Board:
    """Shared state of one fake board."""

    calls: list[tuple[str, tuple]]
    config: Dynapse1Configuration | None = None
    parameter_groups: dict[tuple[int, int], Dynapse1ParameterGroup] = field(default_factory=dict)
    routes: list[tuple[NeuronSelect, BasicSinkNode]] = field(default_factory=list)
    clock_us: int = 0
    closed: bool = False

    def emit(self, events: list[FpgaSpikeEvent], isi_multiplier: int) -> None:
        listeners = self.config.cam_listeners() if self.config else {}
        for event in events:
            self.clock_us += int(event.isi * isi_multiplier / 90)
            tag = divmod(event.neuron_id, 256)
            for chip, core, neuron in listeners.get(tag, []):
                if chip == event.target_chip and event.core_mask >> core & 1:
                    spike = Spike(self.clock_us % 2**32, chip, core, neuron)
                    for select, sink in self.routes:
                        if (chip, core, neuron) in select.neurons:
                            sink.buffer.append(spike)


class FpgaSpikeGen:
    def __init__(self, board: Board) -> None:
        self.board, self.stimulus, self.isi_multiplier = board, [], None

    def _record(self, name: str, *args: Any) -> None:
        self.board.calls.append((f"fpga.{name}", args))

    def set_variable_isi_mode(self, enabled: bool) -> None:
        self._record("set_variable_isi_mode", enabled)

    def preload_stimulus(self, events: list[FpgaSpikeEvent]) -> None:
        self._record("preload_stimulus", len(events))
        self.stimulus = list(events)

    def set_isi_multiplier(self, multiplier: int) -> None:
        self._record("set_isi_multiplier", multiplier)
        self.isi_multiplier = multiplier

    def set_repeat_mode(self, enabled: bool) -> None:
        self._record("set_repeat_mode", enabled)

    def start(self) -> None:
        self._record("start")
        self.board.emit(self.stimulus, self.isi_multiplier)

    def stop(self) -> None:
        self._record("stop")


class Dynapse1Model:
    def __init__(self, board: Board) -> None:
        self.board, self.fpga = board, FpgaSpikeGen(board)

    def apply_configuration(self, config: Dynapse1Configuration) -> None:
        self.board.calls.append(("model.apply_configuration", ()))
        self.board.config = config

    def update_parameter_group(self, group: Dynapse1ParameterGroup, chip: int, core: int) -> None:
        self.board.calls.append(("model.update_parameter_group", (chip, core)))
        self.board.parameter_groups[(chip, core)] = group

    def get_fpga_spike_gen(self) -> FpgaSpikeGen:
        self.board.calls.append(("model.get_fpga_spike_gen", ()))
        return self.fpga

    def get_source_node(self) -> str:
        return "model-source"


class NeuronSelect:
    def __init__(self, board: Board) -> None:
        self.board, self.neurons = board, set()

    def set_neurons(self, neurons: list[tuple[int, int, int]]) -> None:
        self.board.calls.append(("select.set_neurons", (len(neurons),)))
        self.neurons = set(neurons)


class BasicSinkNode:
    def __init__(self) -> None:
        self.buffer: list[Spike] = []
        self.board: Board | None = None

    def get_events(self) -> list[Spike]:
        if self.board is not None:
            self.board.calls.append(("sink.get_events", ()))
        events, self.buffer = self.buffer, []
        return events


def make_fake_samna(n_boards: int = 1, device_type_name: str = "Dynapse1DevKit") -> tuple[ModuleType, Board]:
    """A fake ``samna`` module and the board state it drives (board.calls records the call sequence)."""
    board = Board(calls=[])

    class EventFilterGraph:
        def sequential(self, nodes: list[Any]) -> list[Any]:
            board.calls.append(
                ("graph.sequential", tuple(n if isinstance(n, str) else type(n).__name__ for n in nodes))
            )
            source, filter_name, sink = nodes
            assert source == "model-source" and filter_name == "Dynapse1NeuronSelect"
            select = NeuronSelect(board)
            sink.board = board
            board.routes.append((select, sink))
            return [source, select, sink]

        def start(self) -> None:
            board.calls.append(("graph.start", ()))

        def stop(self) -> None:
            board.calls.append(("graph.stop", ()))

    def get_unopened_devices() -> list[DeviceInfo]:
        board.calls.append(("device.get_unopened_devices", ()))
        return [DeviceInfo(device_type_name) for _ in range(n_boards)]

    def open_device(info: DeviceInfo) -> Dynapse1Model:
        board.calls.append(("device.open_device", (info.device_type_name,)))
        return Dynapse1Model(board)

    def close_device(model: Dynapse1Model) -> None:
        board.calls.append(("device.close_device", ()))
        board.closed = True

    samna = ModuleType("samna")
    samna.dynapse1 = ModuleType("samna.dynapse1")
    for item in (Dynapse1Configuration, Dynapse1SynType, Dynapse1ParameterGroup, Dynapse1Parameter, FpgaSpikeEvent):
        setattr(samna.dynapse1, item.__name__, item)
    samna.graph = ModuleType("samna.graph")
    samna.graph.EventFilterGraph = EventFilterGraph
    samna.device = ModuleType("samna.device")
    samna.device.get_unopened_devices = get_unopened_devices
    samna.device.open_device = open_device
    samna.device.close_device = close_device
    samna.BasicSinkNode_dynapse1_dynapse1_event = BasicSinkNode
    return samna, board
