"""snnrl against the tools researchers would use instead (issue 28), each pair side by side in one process on
one machine, same environment and hyper-parameters: rejax PPO vs snnrl PPO (MLP; snnrl's spiking PPO
beside them), spyx vs snnrl (surrogate-gradient BPTT of a recurrent LIF layer), braintrace vs snnrl (the
e-prop gradient of a recurrent LIF network, and whether the two agree), the official dreaming code's NumPy
loop vs snnrl (realization-steps/s at both world-model cadences). Writes benchmarks/results/anchors.json
and benchmarks/results/anchors.md (the table for RESULTS.md), and prints the table.

    pip install -e ".[bench]"          # rejax, spyx, braintrace: never runtime dependencies of snnrl
    python benchmarks/anchors.py [--rows rl,bptt,eprop,dreaming] [--quick]

Refuses to run (exit 2), naming the missing package, when an extra is not importable.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRAS = ("rejax", "spyx", "braintrace")
ROWS = ("rl", "bptt", "eprop", "dreaming")


def missing_extras() -> list[str]:
    """The packages of the ``bench`` extra that fail to import."""
    missing = []
    for name in EXTRAS:
        try:
            importlib.import_module(name)
        except Exception:  # an ImportError, or a broken install failing at import time
            missing.append(name)
    return missing


def refuse_without_extras() -> None:
    """Exit 2 with a message naming the missing packages and the extra that installs them."""
    missing = missing_extras()
    if missing:
        print(
            f"benchmarks/anchors.py needs {', '.join(missing)} (the tools it measures snnrl against); "
            'install them with: pip install -e ".[bench]"',
            file=sys.stderr,
        )
        sys.exit(2)


def quantity(value: float, unit: str) -> str:
    """A value for the table: steps/s as integers, seconds in ms, MiB with one decimal."""
    if unit == "s":
        return f"{value * 1e3:,.1f} ms"
    return f"{value:,.1f} {unit}" if unit == "MiB" else f"{value:,.0f} {unit}"


def ratio_row(name: str, ours: float, theirs: float, unit: str, higher_is_better: bool = True) -> str:
    """One markdown row: snnrl, anchor, ratio (> 1: snnrl ahead)."""
    ratio = ours / theirs if higher_is_better else theirs / ours
    return f"| {name} | {quantity(ours, unit)} | {quantity(theirs, unit)} | {ratio:.2f} |"


def markdown(record: dict) -> str:
    """The table: one row per measured pair; ratio > 1 means snnrl is ahead."""
    lines = [
        f"Machine: {record['machine']}; load average at start {record['load_average']}; JAX {record['jax']}.",
        "",
        "| row | snnrl | anchor | ratio (> 1: snnrl ahead) |",
        "|---|---|---|---|",
    ]
    for env, rows in record.get("rl", {}).items():
        for key, row in rows["throughput"].items():
            if key.startswith("rejax/"):
                seeds = key.split("/")[1]
                ours = rows["throughput"][f"snnrl_mlp/{seeds}"]["steps_per_s"]
                lif = rows["throughput"][f"snnrl_lif/{seeds}"]["steps_per_s"]
                lines.append(
                    ratio_row(f"PPO MLP, {env}, {seeds} seed(s) (rejax PPO)", ours, row["steps_per_s"], "steps/s")
                )
                lines.append(
                    ratio_row(
                        f"spiking PPO, {env}, {seeds} seed(s) (vs rejax PPO MLP)", lif, row["steps_per_s"], "steps/s"
                    )
                )
        ret = rows["returns"]
        lines.append(
            f"| PPO MLP, {env}, return after {rows['budget']:,} steps, {rows['seeds']} seeds (rejax's evaluator) "
            f"| {ret['snnrl_mlp_eval']:.1f} | {ret['rejax_eval']:.1f} | {ret['snnrl_mlp_eval'] / ret['rejax_eval']:.2f} |"
        )
        lines.append(
            f"| {env}: snnrl's training return, last 10 %: MLP / spiking | {ret['snnrl_mlp_train']:.1f} / "
            f"{ret['snnrl_lif_train']:.1f} | — | — |"
        )
    for key, anchor, label in (("bptt", "spyx", "BPTT fwd+bwd"), ("eprop", "braintrace", "e-prop gradient")):
        if key in record:
            rows, shape = record[key], record["shape"]
            size = f"{shape['inputs']}->{shape['neurons']} LIF, T {shape['steps']}, batch {shape['batch']}"
            lines.append(
                ratio_row(f"{label}, {size} ({anchor})", rows["snnrl"]["seconds"], rows[anchor]["seconds"], "s", False)
            )
            lines.append(
                ratio_row(
                    f"{label}: compiled memory ({anchor})",
                    rows["snnrl"]["memory_bytes"] / 2**20,
                    rows[anchor]["memory_bytes"] / 2**20,
                    "MiB",
                    False,
                )
            )
    if "eprop" in record:
        agreement = record["eprop"]["agreement"]
        lines.append(
            f"| e-prop gradients agree? braintrace / snnrl | scale {agreement['fitted_scale_braintrace_over_snnrl']:.4f} "
            f"(1 - a_readout = {agreement['one_minus_alpha_readout']:.4f}), cosine {agreement['cosine']:.6f} | "
            f"rel. diff. after scale {agreement['relative_difference_after_scale']:.2e} | — |"
        )
    for key, row in record.get("dreaming", {}).items():
        cadence, batch = key.split("/")
        name = f"dreaming, world model per {cadence}, {batch} realization(s) (official NumPy loop, 1 realization)"
        lines.append(
            ratio_row(name, row["snnrl_realization_steps_per_s"], row["numpy_realization_steps_per_s"], "steps/s")
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    """lscpu's model name and the core count."""
    sys.path.insert(0, str(HERE))
    from arms import machine as lscpu_machine

    return lscpu_machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check that the script runs")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "anchors.json")
    parser.add_argument("--table", action="store_true", help="only print the table of an existing --out JSON")
    args = parser.parse_args()
    if args.table:
        print(markdown(json.loads(args.out.read_text())))
        return
    refuse_without_extras()
    import anchors_lif
    import jax

    rows = [row for row in args.rows.split(",") if row]
    unknown = sorted(set(rows) - set(ROWS))
    if unknown:
        sys.exit(f"--rows: unknown {unknown}; allowed: {', '.join(ROWS)}")
    shape = anchors_lif.Shape(64, 32, 16, 4) if args.quick else anchors_lif.Shape()
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "jax": jax.__version__,
        "versions": {name: importlib.metadata.version(name) for name in EXTRAS},
        "shape": vars(shape),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save = lambda: args.out.write_text(json.dumps(record, indent=1) + "\n")  # noqa: E731 (after each row)
    if "rl" in rows:
        import anchors_rl

        seeds, budget, steps = (2, 2048, 512) if args.quick else (4, 40_960, 2048)
        counts = (1, 2) if args.quick else (1, 16, 256)
        envs = ("CartPole-v1",) if args.quick else ("CartPole-v1", "Breakout-MinAtar")
        record["rl"] = {}
        for env in envs:
            record["rl"][env] = {"budget": budget, "seeds": seeds, "throughput_steps_per_seed": steps}
            record["rl"][env]["throughput"] = anchors_rl.throughput(env, counts, steps)
            save()
            record["rl"][env]["returns"] = anchors_rl.returns(env, seeds, budget)
            save()
    if "bptt" in rows:
        record["bptt"] = anchors_lif.bptt_rows(shape)
        print("bptt", record["bptt"], flush=True)
        save()
    if "eprop" in rows:
        record["eprop"] = anchors_lif.eprop_rows(shape)
        print("eprop", record["eprop"], flush=True)
        save()
    if "dreaming" in rows:
        import anchors_dreaming

        record["dreaming"] = anchors_dreaming.cadence_rows((1,) if args.quick else (1, 10), 1 if args.quick else 3)
    save()
    table = markdown(record)
    args.out.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
