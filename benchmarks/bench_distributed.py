"""Wall time of one fixed small study on 1 process (2 cores, 2 host devices) vs 2 processes x 1 core each
(jax.distributed on localhost, one host device each, pinned with taskset), side by side in one
invocation, with the coordination's overhead named: connecting the processes (jax.distributed.initialize),
and per chunk gathering the learners and metrics to every process plus the agreement step that makes a
failure on one process stop all (distributed.gather, distributed.share_outcome). Both layouts put 2
realizations on each device, so their results must be equal bit for bit; the script checks it.

    python benchmarks/bench_distributed.py [--games 100] [--rounds 1] [--append-results]

Writes benchmarks/results/distributed.json; --append-results appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUDY = {"preset": "demo", "env": "pong", "realizations": 4, "chunk_games": 10, "seed": 0}


def worker(out: Path, process_id: int, num_processes: int, coordinator: str, games: int) -> None:
    """One process of a layout: join (if several), run the study into ``out``, then time one gather of
    the learners and one agreement step; writes out/../timing_<process_id>.json."""
    timing: dict = {}
    worker_started = started = time.perf_counter()
    if num_processes > 1:
        from snnrl.experiments.distributed import DistributedSettings, initialize

        initialize(DistributedSettings(coordinator, num_processes, process_id, init_timeout=120))
    timing["initialize_s"] = time.perf_counter() - started
    import jax

    from snnrl.experiments.config import preset
    from snnrl.experiments.distributed import gather, share_outcome
    from snnrl.experiments.overrides import apply_overrides
    from snnrl.experiments.runner import load_state, read_config, run_experiment
    from snnrl.experiments.train import realization_sharding, shard

    config = apply_overrides(
        preset(STUDY["preset"]),
        env=STUDY["env"],
        realizations=STUDY["realizations"],
        games=games,
        chunk_games=STUDY["chunk_games"],
        seed=STUDY["seed"],
    )
    started = time.perf_counter()
    run_experiment(config, out, show_progress=False)
    timing["run_experiment_s"] = time.perf_counter() - started
    config = read_config(out)
    learners = shard(load_state(config, out).learners, realization_sharding(config))
    gather(learners)  # compile once
    started = time.perf_counter()
    for _ in range(5):
        gather(learners)
    timing["gather_learners_s"] = (time.perf_counter() - started) / 5
    share_outcome("timing", None)
    started = time.perf_counter()
    for _ in range(5):
        share_outcome("timing", None)
    timing["agreement_s"] = (time.perf_counter() - started) / 5
    timing["devices"] = [str(device) for device in jax.devices()]
    timing["worker_s"] = time.perf_counter() - worker_started
    (out.parent / f"timing_{process_id}.json").write_text(json.dumps(timing))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_layout(folder: Path, processes: int, games: int) -> dict:
    """Launch one layout (1 process on cores 0,1 with 2 devices, or 2 processes on core 0 and core 1 with
    1 device each) and time it from launch to the last exit."""
    folder.mkdir(parents=True)
    coordinator = f"127.0.0.1:{_free_port()}"
    cores = ["0,1"] if processes == 1 else [str(i) for i in range(processes)]
    devices = 2 // processes
    environment = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
    }
    started = time.perf_counter()
    launched = [
        subprocess.Popen(
            [
                "taskset",
                "-c",
                cores[i],
                sys.executable,
                __file__,
                "--worker",
                str(folder / "out"),
                "--process-id",
                str(i),
                "--num-processes",
                str(processes),
                "--coordinator",
                coordinator,
                "--games",
                str(games),
            ],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(processes)
    ]
    outputs = [process.communicate()[0] for process in launched]
    wall = time.perf_counter() - started
    for process, output in zip(launched, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"a worker of the {processes}-process layout failed:\n{output[-4000:]}")
    summary = json.loads((folder / "out" / "summary.json").read_text())
    timings = [json.loads((folder / f"timing_{i}.json").read_text()) for i in range(processes)]
    chunks = -(-games // STUDY["chunk_games"])
    per_chunk = max(t["gather_learners_s"] + t["agreement_s"] for t in timings)
    return {
        "processes": processes,
        "cores_per_process": 2 // processes,
        "devices_per_process": devices,
        "wall_s": wall,
        "chunks_s": summary["wall_seconds"],
        "initialize_s": max(t["initialize_s"] for t in timings),
        "run_experiment_s": max(t["run_experiment_s"] for t in timings),
        "gather_learners_s": max(t["gather_learners_s"] for t in timings),
        "setup_and_compile_s": max(t["run_experiment_s"] for t in timings) - summary["wall_seconds"],
        "start_and_exit_s": wall - max(t["worker_s"] for t in timings),
        "agreement_s": max(t["agreement_s"] for t in timings),
        "coordination_in_run_s": chunks * per_chunk,
        "chunks": chunks,
    }


def equal_results(first: Path, second: Path) -> bool:
    """Whether two results folders hold the same metrics and learners, bit for bit."""
    import numpy as np

    for name in ("metrics.npz", "checkpoint.npz"):
        with np.load(first / name) as a, np.load(second / name) as b:
            if set(a.files) != set(b.files):
                return False
            if any(a[key].tobytes() != b[key].tobytes() for key in a.files if key != "wall_seconds"):
                return False
    return (first / "returns.csv").read_bytes() == (second / "returns.csv").read_bytes()


def results_section(record: dict) -> str:
    """The RESULTS.md section for ``record``."""
    rows = []
    for layout in record["layouts"]:
        rows.append(
            f"| {layout['processes']} x {layout['cores_per_process']} core(s), {layout['devices_per_process']} device(s) "
            f"each | {layout['wall_s']:.1f} s | {layout['start_and_exit_s']:.1f} s | {layout['initialize_s']:.2f} s | "
            f"{layout['setup_and_compile_s']:.1f} s | {layout['chunks_s']:.1f} s | "
            f"{1000 * layout['gather_learners_s']:.1f} ms + {1000 * layout['agreement_s']:.1f} ms | "
            f"{layout['coordination_in_run_s']:.2f} s |"
        )
    load = record["load_average"]
    return "\n".join(
        [
            "",
            "## Distributed: 1 process vs 2 processes x 1 core (issue 15)",
            "",
            f"`python benchmarks/bench_distributed.py --games {record['games']} --rounds {record['rounds']} --append-results` "
            f"({record['date']}, {record['machine']}, jax {record['jax']}; `benchmarks/results/distributed.json`). The fixed "
            f"study: preset {STUDY['preset']}, JAX Pong, {STUDY['realizations']} realizations x {record['games']} games, "
            f"chunks of {STUDY['chunk_games']} games, seed {STUDY['seed']}; 1 process on both cores (2 host devices) against "
            "2 processes pinned to one core each (`taskset`, 1 host device each, `jax.distributed` on localhost, gloo "
            "collectives). Both put 2 realizations on each device, and their results folders are equal bit for bit: "
            f"{'yes' if record['equal'] else 'NO'}.",
            "",
            f"**Loaded machine**: a long study (benchmarks/arms.py) ran on the same 2 cores throughout (load average "
            f"{load[0]:.1f} at the start, {load[1]:.1f} at the end), so absolute times are inflated and noisy; the layouts "
            "ran one after the other in one invocation"
            + (
                f", {record['rounds']} rounds alternating (the table shows the fastest round of each)."
                if record["rounds"] > 1
                else "."
            ),
            "",
            "| layout | wall, launch to exit | interpreter start and exit (incl. shutdown barrier) "
            "| joining: importing jax + jax.distributed.initialize (2 processes only; 1 process imports jax in setup) "
            "| setup and compile | in chunks (summary wall_seconds) "
            "| per chunk: gather learners + agreement | coordination in the chunks (chunks x per chunk) |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "The coordination's own costs are connecting the processes (joining) and, per chunk, one all-gather "
            "of the learners and metrics (every process gets all realizations; process 0 writes them) plus one "
            "agreement all-gather (a failure on one process stops all): the last two columns. Setup and compile "
            "(config, learners, checks, compiling the chunk, timed inside each process: the slowest process counts) "
            "and the start and exit of the interpreters are paid by every process on its own core.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--append-results", action="store_true")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--process-id", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--num-processes", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--coordinator", default="", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker is not None:
        worker(arguments.worker, arguments.process_id, arguments.num_processes, arguments.coordinator, arguments.games)
        return
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin each process to one core")
    sys.path.insert(0, str(HERE))
    import jax
    from arms import machine

    load_start = os.getloadavg()[0]
    scratch = Path(tempfile.mkdtemp(prefix="bench_distributed_"))
    rounds: dict[int, list[dict]] = {1: [], 2: []}
    for round_index in range(arguments.rounds):
        for processes in (1, 2):
            layout = run_layout(scratch / f"round{round_index}_{processes}", processes, arguments.games)
            rounds[processes].append(layout)
            print(json.dumps(layout), flush=True)
    equal = equal_results(scratch / "round0_1" / "out", scratch / "round0_2" / "out")
    record = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "jax": jax.__version__,
        "games": arguments.games,
        "rounds": arguments.rounds,
        "study": STUDY,
        "equal": equal,
        "load_average": [load_start, os.getloadavg()[0]],
        "layouts": [min(rounds[p], key=lambda layout: layout["wall_s"]) for p in (1, 2)],
        "all_rounds": rounds,
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "distributed.json").write_text(json.dumps(record, indent=2) + "\n")
    section = results_section(record)
    print(section)
    if arguments.append_results:
        with open(HERE / "RESULTS.md", "a") as results:
            results.write(section)
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
