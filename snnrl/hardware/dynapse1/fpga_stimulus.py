"""Turn one agent step of generator spike counts into the FPGA spike generator's preloaded events.

Spikes in bin b (count k) are spread evenly over the bin: times b*bin + m*bin/k, m = 0..k-1. Each spike
becomes one event per target chip of its generator (with the core mask of the cores listening to
it). Times are rounded to ISI units (isi_multiplier / 90 µs, 10 µs for 900); each event's isi is the
gap to the previous event. The generator runs in repeat mode, looping with the period of one agent
step, so the first event's isi is the gap from the previous loop's last event (all isi sum to the period).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from snnrl.hardware.chip.mapper import MappedNetwork


@dataclass(frozen=True)
class FpgaEvent:
    """One preloaded event: FPGA generator id, target chip, core mask (bit k = core k), isi in ISI units."""

    generator_id: int
    target_chip: int
    core_mask: int
    isi: int


def fpga_events_for_layers(
    stimuli: Sequence[tuple[np.ndarray, MappedNetwork]], bin_ms: float, isi_multiplier: int = 900
) -> list[FpgaEvent]:
    """One generator program for several layers on one board, stimulated in the same agent step.

    stimuli: (spike_counts (n_bins, n_sources of that layer), mapped layer) pairs, all with the same
    n_bins and chip. Each layer's events carry its own target chips and core masks, so layers on
    distinct cores do not hear each other even where their generator ids coincide. Returns the merged,
    time-ordered events; ValueError if the chip's limits are exceeded.
    """
    if not stimuli:
        raise ValueError("fpga_events_for_layers needs at least one (spike_counts, mapped) pair")
    chip = stimuli[0][1].chip
    n_bins = {np.shape(counts)[0] for counts, _ in stimuli}
    if len(n_bins) != 1 or any(mapped.chip != chip for _, mapped in stimuli):
        raise ValueError("all layers stimulated together must share the chip and the number of bins per step")
    unit_us = chip.isi_unit_us(isi_multiplier)
    period_units = int(round(n_bins.pop() * bin_ms * 1000.0 / unit_us))
    timed = [event for counts, mapped in stimuli for event in _timed_events(counts, mapped, bin_ms, unit_us)]
    if len(timed) > chip.fpga_max_preloaded_events:
        raise ValueError(
            f"{len(timed)} FPGA events in one step exceed the {chip.fpga_max_preloaded_events} "
            f"that {chip.name} can preload"
        )
    timed.sort()
    times = np.array([t for t, *_ in timed], dtype=np.int64)
    if times.size == 0:
        return []
    isi = np.diff(times, prepend=times[-1] - period_units)
    if isi.max() > chip.max_isi:
        raise ValueError(
            f"an inter-spike interval of {int(isi.max())} units exceeds the {chip.fpga_isi_bits}-bit "
            f"maximum {chip.max_isi}; use a smaller isi_multiplier"
        )
    return [
        FpgaEvent(generator_id=g, target_chip=c, core_mask=mask, isi=int(d))
        for (_, g, c, mask), d in zip(timed, isi, strict=False)
    ]


def _timed_events(
    spike_counts: np.ndarray, mapped: MappedNetwork, bin_ms: float, unit_us: float
) -> list[tuple[int, int, int, int]]:
    """(time in ISI units, generator id, target chip, core mask) for each spike of one layer."""
    counts = np.asarray(spike_counts)
    if counts.ndim != 2 or counts.shape[1] != mapped.n_sources:
        raise ValueError(f"spike_counts must have shape (n_bins, {mapped.n_sources}), got {counts.shape}")
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("spike_counts must be non-negative integers")
    bin_us = bin_ms * 1000.0
    targets = mapped.generator_targets()
    timed: list[tuple[int, int, int, int]] = []
    for b, i in zip(*np.nonzero(counts), strict=False):
        k = int(counts[b, i])
        for m in range(k):
            time_units = int(round((b * bin_us + m * bin_us / k) / unit_us))
            for target_chip, mask in sorted(targets.get(int(i), {}).items()):
                timed.append((time_units, mapped.generator_id(int(i)), target_chip, mask))
    return timed
