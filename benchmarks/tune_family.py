"""Sweep the RL family's settings for one environment, each spiking setting beside its MLP twin (the same
algorithm settings, ``network.kind="mlp"``), resumable: every finished (stage, setting, network, steps,
seeds) run is appended to benchmarks/runs/tune_family.json at once and skipped when asked again.

    python benchmarks/tune_family.py --stage explore --steps 100000 --seeds 3      # find the direction
    python benchmarks/tune_family.py --stage confirm --steps 500000 --seeds 10     # the tuned defaults
    python benchmarks/tune_family.py --report                                      # table + figure

A setting is a named dict of overrides of the algorithm's config (``net.<field>`` for NetworkConfig
fields) applied over ``algorithm_config(name, env=env)`` -- i.e. over the tuned defaults of
snnrl/algorithms/family/tuned.py where they exist; ``--stage confirm`` runs those defaults unchanged.
The seeds of one setting run in one compiled program (jit of vmap); settings that change shapes or static
structure (n_hidden, readout, n_substeps, n_envs, ...) cannot share it, so the settings are a loop.
The final figure is the mean of the last 10 % of updates (snnrl.experiments.statistics.final_updates).
``--report`` writes benchmarks/results/family_tuned.json and benchmarks/figures/family_cartpole_tuned.png
and prints the markdown section for benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import hashlib
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from snnrl.algorithms.family import algorithm_config
from snnrl.algorithms.family.chunked import run_chunked
from snnrl.experiments.statistics import final_updates

HERE = Path(__file__).parent
RUNS = HERE / "runs" / "tune_family.json"
RESULTS = HERE / "results" / "family_tuned.json"
FIGURE = HERE / "figures" / "family_cartpole_tuned.png"
CARTPOLE = "gymnax:CartPole-v1"

# stage -> (algorithm, env, {label: overrides}); overrides use "net.<field>" for the network's fields.
STAGES: dict[str, tuple[str, str, dict[str, dict]]] = {
    # 1. readout, learning rate, LIF steps per decision, surrogate (1e5 steps, 3 seeds)
    "explore": (
        "ppo",
        CARTPOLE,
        {
            "default": {},
            "membrane": {"net.readout": "membrane"},
            "membrane-lr1e-3": {"net.readout": "membrane", "lr": 1e-3},
            "membrane-lr3e-4": {"net.readout": "membrane", "lr": 3e-4},
            "rate-lr1e-3": {"lr": 1e-3},
            "membrane-lr1e-3-sub8": {"net.readout": "membrane", "lr": 1e-3, "net.n_substeps": 8},
            "membrane-lr1e-3-triangle": {"net.readout": "membrane", "lr": 1e-3, "net.surrogate": "triangle"},
            "membrane-lr1e-3-env16x64": {"net.readout": "membrane", "lr": 1e-3, "n_envs": 16, "n_steps": 64},
        },
    ),
    # 2. larger rollouts (32 environments: more samples per gradient and more steps per second on the CPU),
    # feed-forward vs recurrent, LIF steps per decision, width (1e5 steps, 3 seeds)
    "explore2": (
        "ppo",
        CARTPOLE,
        {
            "rate-lr1e-3-env32x32": {"lr": 1e-3, "n_envs": 32, "n_steps": 32, "n_minibatches": 4},
            "ff-rate-lr1e-3-env32x32": {
                "lr": 1e-3,
                "n_envs": 32,
                "n_steps": 32,
                "n_minibatches": 4,
                "net.recurrent": False,
            },
            "rate-lr1e-3-env32x32-sub8": {
                "lr": 1e-3,
                "n_envs": 32,
                "n_steps": 32,
                "n_minibatches": 4,
                "net.n_substeps": 8,
            },
            "rate-lr1e-3-env32x32-h128": {
                "lr": 1e-3,
                "n_envs": 32,
                "n_steps": 32,
                "n_minibatches": 4,
                "net.n_hidden": 128,
            },
        },
    ),
    # 3. feed-forward (best of 2) with 32 x 32 rollouts: learning rate, LIF steps per decision, width,
    # surrogate width (1e5 steps, 3 seeds)
    "explore3": (
        "ppo",
        CARTPOLE,
        {
            f"ff-{name}": {"n_envs": 32, "n_steps": 32, "n_minibatches": 4, "net.recurrent": False, **extra}
            for name, extra in {
                "lr3e-3": {"lr": 3e-3},
                "lr1e-3-sub8": {"lr": 1e-3, "net.n_substeps": 8},
                "lr1e-3-h128": {"lr": 1e-3, "net.n_hidden": 128},
                "lr1e-3-width1": {"lr": 1e-3, "net.surrogate_width": 1.0},
            }.items()
        },
    ),
    # 4. after the confirm run missed (375 at 5e5 steps, 5 of 10 seeds >= 466): directions over the shipped
    # defaults of then (8 LIF steps per decision) at the full budget (5e5 steps, 3 seeds)
    "after-confirm": (
        "ppo",
        CARTPOLE,
        {
            "tuned-h128": {"net.n_substeps": 8, "net.n_hidden": 128},
            "tuned-epochs2": {"net.n_substeps": 8, "update_epochs": 2},
            "tuned-sub16": {"net.n_substeps": 16},
            "tuned-clip0.1": {"net.n_substeps": 8, "clip_eps": 0.1},
        },
    ),
    # the shipped defaults (tuned.py) unchanged, spiking and the MLP twin (5e5 steps, 10 seeds)
    # and one alternative (the tuned curve's decline after 1e5 steps suggested a lower learning rate)
    # and, after after-confirm, its best direction (16 LIF steps per decision: 476 ± 11 on 3 seeds)
    # (the shipped defaults now hold 16; the first confirmation's 8 is set explicitly)
    "confirm": (
        "ppo",
        CARTPOLE,
        {
            "tuned": {},
            "tuned-sub8": {"net.n_substeps": 8},
            "tuned-sub8-lr5e-4": {"net.n_substeps": 8, "lr": 5e-4},
            "tuned-clip0.1": {"clip_eps": 0.1},
        },
    ),
}


TUNED_BASE = ("confirm", "after-confirm")  # the stages whose settings are set over the tuned defaults


def split_overrides(overrides: dict) -> tuple[dict, dict]:
    """(algorithm fields, network fields) of a setting's overrides ('net.<field>' -> network)."""
    net = {k.removeprefix("net."): v for k, v in overrides.items() if k.startswith("net.")}
    return {k: v for k, v in overrides.items() if not k.startswith("net.")}, net


def make_config(name: str, env: str, overrides: dict, kind: str, steps: int, untuned: bool):
    """The config of one run: the untuned class defaults (explore stages) or the tuned defaults (confirm),
    with ``overrides`` and the network's kind set."""
    fields, net = split_overrides(overrides)
    base = algorithm_config(name, env=env, tuned=not untuned)
    network = dataclasses.replace(base.network, **net, kind=kind)
    return dataclasses.replace(base, **fields, network=network, total_steps=steps)


def run_one(name: str, config, seeds: int, key: str, chunks: int) -> dict:
    """Train ``seeds`` seeds in one program per chunk (snnrl.algorithms.family.chunked: the numbers of one
    program; a killed run resumes from its checkpoint under benchmarks/runs/tune_family_checkpoints/); the
    final return (mean over seeds of the last 10 % of updates) with its SE over seeds, the mean curve,
    spikes per decision and wall time (compile included, of this call)."""
    run_id = hashlib.sha256(key.encode()).hexdigest()[:16]
    checkpoint = RUNS.parent / "tune_family_checkpoints" / f"{run_id}.npz"
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    _, metrics, _ = run_chunked(name, config, jax.random.key(0), seeds, chunks, checkpoint, run_id)
    returns = np.asarray(metrics["episode_return"])
    wall = time.perf_counter() - start
    per_seed = np.nanmean(returns[:, final_updates(returns)], axis=1)
    return {
        "final": float(np.nanmean(per_seed)),
        "final_se": float(np.nanstd(per_seed) / np.sqrt(seeds)),
        "final_per_seed": per_seed.tolist(),
        "env_steps": np.cumsum(np.asarray(metrics["env_steps"])[0]).tolist(),
        "mean": np.nanmean(returns, 0).tolist(),
        "se": (np.nanstd(returns, 0) / np.sqrt(np.sum(np.isfinite(returns), 0).clip(1))).tolist(),
        "spikes_per_decision": float(
            np.mean(np.asarray(metrics["spikes_per_decision"])[:, -max(1, returns.shape[1] // 10) :])
        ),
        "wall_s": wall,
        "config": dataclasses.asdict(config),
    }


def load_runs() -> dict:
    """The sweep's records so far (empty when none)."""
    return json.loads(RUNS.read_text()) if RUNS.exists() else {}


def save_runs(runs: dict) -> None:
    """Write the records atomically (a killed sweep never leaves a half-written file)."""
    RUNS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RUNS.with_suffix(".tmp")
    tmp.write_text(json.dumps(runs, indent=1))
    os.replace(tmp, RUNS)


def sweep(stage: str, steps: int, seeds: int, only: list[str] | None, kinds: tuple[str, ...], chunks: int) -> None:
    """Run every setting of ``stage`` (or those named in ``only``) for each network kind, skipping runs on
    record."""
    if stage not in STAGES:
        raise SystemExit(f"--stage: unknown stage {stage!r}; allowed: {', '.join(STAGES)}")
    name, env, settings = STAGES[stage]
    unknown = sorted(set(only or ()) - set(settings))
    if unknown:
        raise SystemExit(f"--only: unknown setting(s) {unknown}; stage {stage!r} has {', '.join(settings)}")
    RUNS.parent.mkdir(parents=True, exist_ok=True)
    for label, overrides in settings.items():
        if only and label not in only:
            continue
        for kind in kinds:
            key = f"{stage}|{name}|{env}|{label}|{kind}|{steps}|{seeds}"
            config = make_config(name, env, overrides, kind, steps, untuned=stage not in TUNED_BASE)
            if key in load_runs():
                if load_runs()[key]["config"] != json.loads(json.dumps(dataclasses.asdict(config))):
                    raise SystemExit(f"{key} is on record with another config (the tuned defaults changed?); rename it")
                print(f"{key}: on record", flush=True)
                continue
            record = run_one(name, config, seeds, key, chunks)
            record.update(stage=stage, algorithm=name, env=env, label=label, kind=kind, steps=steps, seeds=seeds)
            record["overrides"] = overrides
            record["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
            with open(RUNS.with_suffix(".lock"), "w") as lock:  # two sweeps may share the record
                fcntl.flock(lock, fcntl.LOCK_EX)
                runs = load_runs()
                runs[key] = record
                save_runs(runs)
            print(
                f"{key}: final {record['final']:.1f} ± {record['final_se']:.1f} ({record['wall_s']:.0f} s)", flush=True
            )


TARGETS = {("ppo", CARTPOLE): 475.0}  # issue 28: spiking PPO >= 475 on CartPole-v1 by 5e5 steps


def report() -> str:
    """benchmarks/results/family_tuned.json (the confirm runs with curves, every sweep record's final figure)
    and benchmarks/figures/family_cartpole_tuned.png; returns the markdown table of the sweep and the confirm
    runs."""
    runs = load_runs()
    sweeps = {
        k: {
            f: v[f]
            for f in (
                "stage",
                "label",
                "kind",
                "steps",
                "seeds",
                "final",
                "final_se",
                "overrides",
                "spikes_per_decision",
                "wall_s",
                "machine",
            )
        }
        for k, v in runs.items()
    }
    confirm = {k: v for k, v in runs.items() if v["stage"] == "confirm"}
    RESULTS.write_text(json.dumps({"confirm": confirm, "sweep": sweeps}, indent=1))
    lines = [
        "| stage | setting | network | steps x seeds | final return (last 10 %) | spikes / decision | wall |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in sorted(runs.values(), key=lambda v: (list(STAGES).index(v["stage"]), v["label"], v["kind"])):
        lines.append(
            f"| {v['stage']} | {v['label']} `{json.dumps(v['overrides'])}` | {v['kind']} | {v['steps']:.0e} x {v['seeds']} "
            f"| {v['final']:.1f} ± {v['final_se']:.1f} | {v['spikes_per_decision']:.1f} | {v['wall_s']:.0f} s |"
        )
    for v in confirm.values():
        target = TARGETS.get((v["algorithm"], v["env"]))
        if v["kind"] == "lif" and target is not None:
            verdict = "met" if v["final"] >= target else f"missed by {target - v['final']:.1f}"
            lines.append(f"\n{v['algorithm']} on {v['env']}: target {target:.0f}, spiking {v['final']:.1f} ({verdict})")
    if confirm:
        figure(confirm)
    return "\n".join(lines) + "\n"


COLOURS = {
    ("lif", "tuned"): "tab:red",
    ("lif", "tuned-sub8"): "tab:pink",
    ("lif", "tuned-sub8-lr5e-4"): "tab:orange",
    ("mlp", "tuned-sub8"): "tab:blue",
}


def figure(confirm: dict) -> None:
    """Return vs environment steps (mean and SE over seeds) of the confirm runs, spiking vs MLP."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.6))
    axis = fig.subplots()
    for v in confirm.values():
        x, mean, se = (np.asarray(v[k], float) for k in ("env_steps", "mean", "se"))
        ended = np.isfinite(mean)
        colour = COLOURS.get((v["kind"], v["label"]), "tab:grey")
        network = "spiking (LIF)" if v["kind"] == "lif" else "MLP twin"
        label = f"{network}, {v['label']}: {v['final']:.0f} ± {v['final_se']:.0f}"
        axis.plot(x[ended], mean[ended], color=colour, label=label)
        axis.fill_between(x[ended], (mean - se)[ended], (mean + se)[ended], color=colour, alpha=0.25)
    target = TARGETS.get((next(iter(confirm.values()))["algorithm"], CARTPOLE))
    if target:
        axis.axhline(target, color="grey", linestyle=":", label=f"target {target:.0f}")
    seeds = next(iter(confirm.values()))["seeds"]
    axis.set_title(f"PPO on CartPole-v1, tuned defaults ({seeds} seeds)", fontsize=10)
    axis.set_xlabel("environment steps")
    axis.set_ylabel("episode return")
    axis.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    FIGURE.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURE, dpi=110)


def main() -> None:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", default="explore")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="settings of the stage to run (default: all)")
    parser.add_argument("--kinds", default="lif,mlp", help="network kinds, comma-separated")
    parser.add_argument("--chunks", type=int, default=1, help="compiled calls per run, a checkpoint after each")
    parser.add_argument("--report", action="store_true", help="write the results JSON and figure, print the table")
    args = parser.parse_args()
    if args.report:
        print(report())
        return
    sweep(args.stage, args.steps, args.seeds, args.only, tuple(args.kinds.split(",")), args.chunks)


if __name__ == "__main__":
    main()
