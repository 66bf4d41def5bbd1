"""Run the arms of a figure (e.g. dreaming vs baseline) into one folder, resumably, then compare each arm
with the baseline: mean return over the last games per realization, real interactions needed to reach
the baseline's final level, one-sided Mann-Whitney test. Writes comparison.json and a figure.

    python benchmarks/arms.py --name fig2c_pong --preset official --env pong --games 2000 --realizations 10 \
        --arm dream --arm none
    python benchmarks/arms.py --name fig3 --arm plan:n_fut=1 --arm plan:n_fut=8 --arm none ...
    python benchmarks/arms.py --name fig2d --arm dream:agent_learns_awake=false --arm none ...

An arm is MODE[:key=value,...]; keys are dotted overrides of any config field, as on the snnrl command line
(docs/howto/configure.md): DreamingConfig fields (agent_learns_awake, model_learning_stop, n_fut, model_update,
dream.start, ...), fields of its networks (agent.learning_rate, world_model.lr_state, world_model.lif.tau_m, ...),
or the hidden-layer options backend, mismatch and threshold (set in both networks). The last arm is the baseline.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from snnrl.experiments.config import preset
from snnrl.experiments.config_io import parse_assignments
from snnrl.experiments.configure import configure
from snnrl.experiments.overrides import apply_overrides
from snnrl.experiments.plots import plot_returns
from snnrl.experiments.runner import read_config, run_experiment
from snnrl.experiments.statistics import compare_arms
from snnrl.experiments.storage import write_json

HIDDEN_KEYS = ("backend", "mismatch", "threshold")


def arm_config(base, arm: str):
    """The experiment config of one arm 'MODE[:key=value,...]': the mode, the hidden-layer options of both
    networks (backend, mismatch, threshold) and every other key as a dotted override (snnrl.experiments.configure:
    any field of the config tree, short forms under ``algorithm.`` such as n_fut or agent.learning_rate)."""
    mode, _, options = arm.partition(":")
    assignments = [item for item in options.split(",") if item]
    hidden = parse_assignments([item for item in assignments if item.partition("=")[0] in HIDDEN_KEYS])
    config = apply_overrides(base, mode=mode, **hidden)
    return configure(config, assignments=[item for item in assignments if item.partition("=")[0] not in HIDDEN_KEYS])


def arm_folder(arm: str) -> str:
    """A folder name for an arm (paths in values, e.g. an autoencoder's, keep only their last part)."""
    options = [
        key + ("=" + value.rstrip("/").rsplit("/", 1)[-1] if value else "")
        for key, _, value in (item.partition("=") for item in arm.split(","))
    ]
    return ",".join(options).replace(":", "_").replace(",", "_").replace("=", "-")


def machine() -> str:
    """CPU model and core count (lscpu), for the records."""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
            if line.startswith("Model name")
        )
    except (StopIteration, FileNotFoundError):
        model = platform.processor()
    import os

    return f"{model}, {os.cpu_count()} cores"


def numpy_interactions_per_second(config, games: int, seed: int) -> float:
    """Real interactions/s of the NumPy transcription of the official code (tests/parity, one realization,
    dreaming) on real ALE Pong: each game records a fresh ALE trajectory (random actions) and plays it."""
    import sys

    import jax

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from snnrl.algorithms.learner import init_learner
    from tests.parity.reference_official import OfficialReference
    from tests.parity.trajectory import record_ale_pong

    algorithm = config.algorithm.replace(mode="dream")
    learner = init_learner(jax.random.key(seed), algorithm)
    reference = OfficialReference.from_learner(learner)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for game in range(games):
        trajectory = record_ale_pong.__wrapped__(
            config.noop_warmup, algorithm.model_warmup_steps, algorithm.awake_steps, seed + game
        )
        awake = trajectory.actions[algorithm.model_warmup_steps :]
        reference.play_game(
            game, trajectory.ram, trajectory.rewards, awake, True, rng.integers(0, 3, algorithm.dream.steps)
        )
    return games * algorithm.awake_steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--preset", default="official")
    parser.add_argument("--env", default="pong")
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--realizations", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-games", type=int, default=50)
    parser.add_argument("--final-games", type=int, default=250)
    parser.add_argument("--arm", action="append", required=True, help="MODE[:key=value,...]; the last is the baseline")
    parser.add_argument("--root", type=Path, default=Path("benchmarks/runs"))
    parser.add_argument("--numpy-games", type=int, default=0, help="also time this many NumPy-reference games on ALE")
    args = parser.parse_args()

    base = apply_overrides(
        preset(args.preset),
        env=args.env,
        games=args.games,
        realizations=args.realizations,
        seed=args.seed,
        chunk_games=args.chunk_games,
    )
    folder = args.root / args.name
    summaries = {}
    for arm in args.arm:
        arm_path = folder / arm_folder(arm)
        resume = (arm_path / "checkpoint.npz").exists()
        # a resumed arm keeps its stored config, planned to --games games (more or fewer than first planned,
        # never fewer than it has done)
        config = read_config(arm_path).replace(games=args.games) if resume else arm_config(base, arm)
        started = time.perf_counter()
        summaries[arm] = run_experiment(config, arm_path, resume=resume, show_progress=False)
        print(
            f"{arm}: {summaries[arm]['games']} games x {summaries[arm]['realizations']} in "
            f"{summaries[arm]['wall_seconds']:.0f} s (this call {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    baseline = args.arm[-1]
    with np.load(folder / arm_folder(baseline) / "metrics.npz") as data:
        baseline_returns = data["game_return"]
    steps = base.algorithm.awake_steps
    comparison = {
        "machine": machine(),
        "preset": args.preset,
        "env": args.env,
        "games": args.games,
        "realizations": args.realizations,
        "seed": args.seed,
        "baseline": baseline,
        "arms": {},
    }
    print(
        f"| arm | mean return, last {args.final_games} games (mean ± SD over runs) | interactions to baseline level | Mann-Whitney p (arm > baseline) | wall s |"
    )
    print("|---|---|---|---|---|")
    for arm in args.arm:
        with np.load(folder / arm_folder(arm) / "metrics.npz") as data:
            returns = data["game_return"]
        result = compare_arms(returns, baseline_returns, steps, final_games=min(args.final_games, returns.shape[1]))
        comparison["arms"][arm] = {**result.to_dict(), "wall_seconds": summaries[arm]["wall_seconds"]}
        final = np.array(result.final_arm)
        print(
            f"| {arm} | {final.mean():+.3f} ± {final.std():.3f} | {result.interactions_to_baseline_arm} | "
            f"{'—' if arm == baseline else f'{result.p_value:.3g}'} | {summaries[arm]['wall_seconds']:.0f} |"
        )
    if args.numpy_games:
        numpy_rate = numpy_interactions_per_second(base, args.numpy_games, args.seed)
        comparison["numpy_reference"] = {"games": args.numpy_games, "interactions_per_second": numpy_rate}
        print(
            f"NumPy transcription of the official code (1 realization, ALE, dream): {numpy_rate:.0f} real interactions/s"
        )
        for arm, summary in summaries.items():
            rate = summary["interactions"] * summary["realizations"] / summary["wall_seconds"]
            comparison["arms"][arm]["interactions_per_second"] = rate
            print(f"{arm}: {rate:.0f} real interactions/s = {rate / numpy_rate:.1f} x NumPy")
    write_json(folder / "comparison.json", comparison)
    figures = Path("benchmarks/figures")
    print(plot_returns([folder / arm_folder(arm) for arm in args.arm], figures / args.name)[0])


if __name__ == "__main__":
    main()
