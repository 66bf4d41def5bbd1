"""Can the training loop keep up with a DYNAP-SE1 board? Host time per game with the hidden layers on the
board, the board's 10 ms per step taken out.

The board is the tests' fake samna (no chip here) with its toy emulation replaced by a stand-in that
returns a fixed fraction of each stepped layer's neurons as output spikes, so what is timed is snnrl's
side: the compiled game (encoder, readouts, learning), the io_callback, building the FPGA program of all
layers, and counting the output events. On a real board each agent step adds 10 ms per board step
(agent and world model: 2 per real step and per dream step), which this benchmark leaves out (wait = 0).

    python benchmarks/bench_chip_loop.py --realizations 1 2 4
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from arms import machine  # noqa: E402

from snnrl.experiments.config import preset  # noqa: E402
from snnrl.experiments.hidden_layers import board_layers  # noqa: E402
from snnrl.experiments.overrides import apply_overrides, fit_to_environment  # noqa: E402
from snnrl.experiments.train import init_learners, make_chunk, make_environment, realization_keys  # noqa: E402
from snnrl.hardware.chip_bridge import use_session  # noqa: E402
from snnrl.hardware.dynapse1_session import Dynapse1Session  # noqa: E402
from tests.hardware.fake_samna import Spike, make_fake_samna  # noqa: E402


def stand_in_board(active_fraction: float, seed: int = 0):
    """The fake samna, emitting ``active_fraction`` of the selected neurons once per board step."""
    samna, board = make_fake_samna()
    rng = np.random.default_rng(seed)
    spikes: dict[int, list[Spike]] = {}

    def emit(events, isi_multiplier):
        for select, sink in board.routes:
            pool = spikes.setdefault(id(select), [Spike(0, *address) for address in sorted(select.neurons)])
            chosen = rng.choice(len(pool), size=int(active_fraction * len(pool)), replace=False)
            sink.buffer.extend(pool[i] for i in chosen)

    board.emit = emit
    return samna, board


def time_games(realizations: int, games: int, active_fraction: float) -> dict:
    """Seconds per game (all realizations together) and board steps per game, with wait = 0."""
    samna, board = stand_in_board(active_fraction)
    sys.modules["samna"] = samna
    config = apply_overrides(
        preset("neuromorphic"), env="pong", realizations=realizations, games=2 * games, backend="dynapse1"
    )
    env, env_params = make_environment(config)
    config = fit_to_environment(config, env, env_params)
    keys = realization_keys(config.seed, realizations)
    learners = init_learners(config, keys)
    chunk = make_chunk(config, env, env_params)
    with (
        Dynapse1Session(board_layers(config.algorithm, keys), wait=lambda seconds: None) as session,
        use_session(session),
    ):
        learners, _ = jax.block_until_ready(chunk(learners, keys, jnp.arange(games)))  # compile + warm-up games
        starts = len([c for c in board.calls if c[0] == "fpga.start"])
        started = time.perf_counter()
        learners, _ = jax.block_until_ready(chunk(learners, keys, jnp.arange(games, 2 * games)))
        seconds = (time.perf_counter() - started) / games
        board_steps = (len([c for c in board.calls if c[0] == "fpga.start"]) - starts) / games
    del sys.modules["samna"]
    return {
        "realizations": realizations,
        "seconds_per_game": seconds,
        "board_steps_per_game": board_steps,
        "chip_seconds_per_game": board_steps * 0.010,
        "host_ms_per_board_step": 1000 * seconds / board_steps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--realizations", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--games", type=int, default=5)
    parser.add_argument("--active-fraction", type=float, default=0.1, help="output spikes per neuron and board step")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/chip_loop.json"))
    args = parser.parse_args()
    rows = [time_games(r, args.games, args.active_fraction) for r in args.realizations]
    print(
        "| realizations on the board | board steps per game | host s per game (wait 0) | host ms per board step | "
        "board time per game (10 ms a step) |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['realizations']} | {row['board_steps_per_game']:.0f} | {row['seconds_per_game']:.3f} | "
            f"{row['host_ms_per_board_step']:.2f} | {row['chip_seconds_per_game']:.2f} s |"
        )
    record = {
        "machine": machine(),
        "load_average_1min": os.getloadavg()[0],
        "jax": jax.__version__,
        "active_fraction": args.active_fraction,
        "games": args.games,
        "rows": rows,
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"{record['machine']}, load average {record['load_average_1min']:.1f}")


if __name__ == "__main__":
    main()
