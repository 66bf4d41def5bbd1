"""The RL algorithm family: on CartPole-v1 quick learning (spiking vs MLP in the same loop), environment
steps per second for 1 / 16 / 256 seeds in one program, and the memory of e-prop vs BPTT as the sequence
grows (results/algorithms.json, figures/algorithms_cartpole.png); with --curves, return vs steps on Acrobot,
the four MinAtar games and the JAX Pong (results/algorithms_curves.json, figures/algorithms_curves.png).
Each prints a markdown section for benchmarks/RESULTS.md.

    python benchmarks/bench_algorithms.py [--seeds 3] [--steps 30000] [--quick]
    python benchmarks/bench_algorithms.py --smoke     # every algorithm on every environment of issue 12
    python benchmarks/bench_algorithms.py --throughput   # only steps per second, all four algorithms side by side
    python benchmarks/bench_algorithms.py --curves --seeds 10 --steps 100000 [--envs pong,...] [--resume]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms import actor_critic
from snnrl.algorithms.common import train_seeds
from snnrl.algorithms.family import ALGORITHMS, algorithm_config
from snnrl.algorithms.networks import NetworkConfig, make_network
from snnrl.experiments.statistics import final_updates

HERE = Path(__file__).parent
ENV = "gymnax:CartPole-v1"
# per-algorithm settings for a quick CartPole run (the rest are the configs' defaults)
SETTINGS = {
    "ppo": dict(n_envs=8, n_steps=32, lr=3e-3),
    "reinforce": dict(n_envs=8, n_steps=64, lr=3e-3),
    "actor_critic": dict(n_envs=8, n_steps=32, lr=1e-3),
    "dqn": dict(n_envs=8, n_steps=32, learning_starts=1000, buffer_size=10_000, lr=1e-3, target_every=50),
}


def network(kind: str) -> NetworkConfig:
    """The networks compared: 32 LIF neurons (recurrent, rate readout, 4 substeps) or a 2 x 32 MLP."""
    return NetworkConfig(kind=kind, n_hidden=32)


def learning_run(name: str, kind: str, env: str, seeds: int, steps: int) -> dict:
    """Return vs environment steps of one algorithm and network on ``env``: mean and SE over seeds (per
    update), the last-10 % return, spikes and SynOps per decision, and wall time (compile included)."""
    config = algorithm_config(name, env=env, tuned=False, network=network(kind), total_steps=steps, **SETTINGS[name])
    start = time.perf_counter()
    _, metrics = train_seeds(ALGORITHMS[name][1](config), jax.random.key(0), seeds)
    returns = np.asarray(metrics["episode_return"])
    elapsed = time.perf_counter() - start
    mean = np.nanmean(returns, 0)
    tail = max(1, len(mean) // 10)
    final = returns[:, final_updates(returns)]
    run = {
        "env_steps": np.cumsum(np.asarray(metrics["env_steps"])[0]).tolist(),
        "mean": mean.tolist(),
        "se": (np.nanstd(returns, 0) / np.sqrt(np.sum(np.isfinite(returns), 0).clip(1))).tolist(),
        "final": float(np.nanmean(final)),
        "final_se": float(np.nanstd(np.nanmean(final, 1)) / np.sqrt(seeds)),
        "spikes_per_decision": float(np.mean(np.asarray(metrics["spikes_per_decision"])[:, -tail:])),
        "synops_per_decision": float(np.mean(np.asarray(metrics["synops_per_decision"])[:, -tail:])),
        "wall_s": elapsed,
    }
    print(f"{env} {name}/{kind}: final return {run['final']:.1f} ({elapsed:.0f} s)", flush=True)
    return run


def learning(seeds: int, steps: int, env: str = ENV) -> dict:
    """``learning_run`` for every algorithm x {LIF, MLP} on ``env``, keyed 'algorithm/network'."""
    return {
        f"{name}/{kind}": learning_run(name, kind, env, seeds, steps) for name in ALGORITHMS for kind in ("lif", "mlp")
    }


def throughput(seed_counts: tuple[int, ...], algorithms: tuple[str, ...]) -> dict:
    """Environment steps per second (after compiling) for n seeds in one program, per algorithm and network."""
    results = {}
    for name in algorithms:
        for kind in ("lif", "mlp"):
            settings = dict(SETTINGS[name], n_envs=4, n_steps=32)
            if name == "dqn":
                settings.update(learning_starts=0, buffer_size=1000)
            config = algorithm_config(
                name, env=ENV, tuned=False, network=network(kind), total_steps=4 * 32 * 4, **settings
            )
            train = jax.jit(jax.vmap(ALGORITHMS[name][1](config)))
            for n in seed_counts:
                keys = jax.random.split(jax.random.key(1), n)
                compiled = train.lower(keys).compile()
                start = time.perf_counter()
                jax.block_until_ready(compiled(keys))
                elapsed = time.perf_counter() - start
                results[f"{name}/{kind}/{n}"] = n * config.total_steps / elapsed
                print(f"{name}/{kind} x{n}: {results[f'{name}/{kind}/{n}']:.0f} env steps/s", flush=True)
    return results


def memory(lengths: tuple[int, ...]) -> dict:
    """Temporary memory (XLA's compiled memory analysis) of one episode's gradient for T decisions of a
    100-neuron recurrent LIF network: BPTT (jax.grad through the scan) vs e-prop (online traces)."""
    net = make_network(NetworkConfig(n_hidden=100), (4,), 3)
    params = net.init(jax.random.key(0))
    results = {}
    for steps in lengths:
        obs = jnp.zeros((steps, 4))
        starts = jnp.zeros(steps, bool).at[0].set(True)

        def bptt(params, obs, starts=starts):
            def objective(p):
                _, outs, _ = net.apply_sequence(p, net.initial_state(), obs, starts)
                return jnp.sum(jax.nn.log_softmax(outs[:, :2])[:, 0] + outs[:, 2])

            return jax.grad(objective)(params)

        def eprop(params, obs):
            def step(carry, o):
                traces, total = carry
                traces, out, grad_of, _ = actor_critic.trace_step(net, params, traces, o)
                signal, _ = actor_critic.objective_signals(out, jnp.int32(0), 2, 1.0)
                return (traces, jax.tree.map(jnp.add, total, grad_of(signal))), None

            zeros = jax.tree.map(jnp.zeros_like, params)
            return jax.lax.scan(step, (actor_critic.initial_traces(net), zeros), obs)[0][1]

        for name, function in (("bptt", bptt), ("eprop", eprop)):  # noqa: B023 (compiled within the loop)
            analysis = jax.jit(function).lower(params, obs).compile().memory_analysis()
            results[f"{name}/{steps}"] = int(analysis.temp_size_in_bytes)
            print(f"{name} T={steps}: {results[f'{name}/{steps}'] / 2**20:.2f} MiB temporary", flush=True)
    return results


SMOKE_ENVS = (
    "gymnax:CartPole-v1",
    "gymnax:Acrobot-v1",
    "gymnax:Breakout-MinAtar",
    "gymnax:SpaceInvaders-MinAtar",
    "gymnax:Asterix-MinAtar",
    "gymnax:Freeway-MinAtar",
    "pong",
)


def smoke() -> str:
    """Markdown table: each algorithm with the spiking network runs 4 updates on each environment (2 seeds,
    4 environments x 32 steps per update); finite losses, spikes per decision, compile + run time."""
    lines = ["| environment | algorithm | finite losses | spikes / decision | compile + run |", "|---|---|---|---|---|"]
    for env in SMOKE_ENVS:
        for name in ALGORITHMS:
            settings = dict(n_envs=4, n_steps=32, total_steps=4 * 32 * 4)
            if name == "dqn":
                settings.update(learning_starts=0, buffer_size=1000, batch_size=32)
            config = algorithm_config(name, env=env, tuned=False, network=network("lif"), **settings)
            start = time.perf_counter()
            _, metrics = train_seeds(ALGORITHMS[name][1](config), jax.random.key(0), 2)
            finite = bool(np.all(np.isfinite(np.asarray(metrics["loss"]))))
            spikes = float(np.mean(np.asarray(metrics["spikes_per_decision"])))
            lines.append(f"| {env} | {name} | {finite} | {spikes:.1f} | {time.perf_counter() - start:.0f} s |")
            print(lines[-1], flush=True)
    return "\n".join(lines) + "\n"


def figure(by_env: dict[str, dict], path: Path) -> None:
    """Return vs environment steps (mean and SE over seeds), one row per environment and one panel per
    algorithm, LIF vs MLP; ``by_env[env]`` is keyed 'algorithm/network' as ``learning`` returns."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 2.6 * len(by_env) + 0.4))
    axes = np.asarray(fig.subplots(len(by_env), len(ALGORITHMS), squeeze=False))
    for row, (env, results) in zip(axes, by_env.items(), strict=True):
        for axis, name in zip(row, ALGORITHMS, strict=True):
            for kind, colour in (("lif", "tab:red"), ("mlp", "tab:blue")):
                if f"{name}/{kind}" not in results:
                    continue
                run = results[f"{name}/{kind}"]
                x, mean, se = (np.asarray(run[k], float) for k in ("env_steps", "mean", "se"))
                ended = np.isfinite(mean)  # updates in which some episode ended
                x, mean, se = x[ended], mean[ended], np.nan_to_num(se[ended])
                axis.plot(x, mean, color=colour, label="spiking (LIF)" if kind == "lif" else "MLP")
                axis.fill_between(x, mean - se, mean + se, color=colour, alpha=0.25)
            axis.set_title(name if len(by_env) == 1 else f"{name} — {env.removeprefix('gymnax:')}", fontsize=9)
        row[0].set_ylabel(f"episode return\n({env.removeprefix('gymnax:')})", fontsize=9)
    for axis in axes[-1]:
        axis.set_xlabel("environment steps")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


CURVE_ENVS = SMOKE_ENVS[1:]  # CartPole's curves are the default run's
CURVES_JSON = HERE / "results" / "algorithms_curves.json"


def curves(envs: tuple[str, ...], seeds: int, steps: int, resume: bool) -> str:
    """Return vs steps of every algorithm x {LIF, MLP} on each of ``envs`` (``seeds`` seeds, ``steps``
    environment steps each), saved to results/algorithms_curves.json after every run so that ``resume``
    continues where a stopped invocation ended; draws figures/algorithms_curves.png and returns the
    markdown table."""
    unknown = sorted(set(envs) - set(SMOKE_ENVS))
    if unknown:
        raise SystemExit(f"--envs: unknown environment(s) {unknown}; allowed: {', '.join(SMOKE_ENVS)}")
    record = {"machine": machine_name(), "seeds": seeds, "steps": steps, "runs": {}}
    if CURVES_JSON.exists():
        if not resume:
            raise SystemExit(f"{CURVES_JSON} exists: pass --resume to continue it, or move it away")
        stored = json.loads(CURVES_JSON.read_text())
        if (stored["seeds"], stored["steps"]) != (seeds, steps):
            raise SystemExit(
                f"--resume: {CURVES_JSON} holds {stored['seeds']} seeds x {stored['steps']} steps, "
                f"asked for {seeds} x {steps}"
            )
        record = stored
    for env in envs:
        runs = record["runs"].setdefault(env, {})
        for name in ALGORITHMS:
            for kind in ("lif", "mlp"):
                if f"{name}/{kind}" not in runs:
                    runs[f"{name}/{kind}"] = learning_run(name, kind, env, seeds, steps)
                    CURVES_JSON.write_text(json.dumps(record, indent=1) + "\n")
    figure({env: record["runs"][env] for env in envs}, HERE / "figures" / "algorithms_curves.png")
    lines = [
        "| environment | algorithm | LIF, last 10 % (mean ± SE) | MLP, last 10 % | LIF spikes / decision | LIF SynOps / decision | wall LIF / MLP |",
        "|---|---|---|---|---|---|---|",
    ]
    for env in envs:
        for name in ALGORITHMS:
            lif, mlp = (record["runs"][env][f"{name}/{kind}"] for kind in ("lif", "mlp"))
            lines.append(
                f"| {env.removeprefix('gymnax:')} | {name} | {lif['final']:.2f} ± {lif['final_se']:.2f} "
                f"| {mlp['final']:.2f} ± {mlp['final_se']:.2f} | {lif['spikes_per_decision']:.1f} "
                f"| {lif['synops_per_decision']:.0f} | {lif['wall_s']:.0f} s / {mlp['wall_s']:.0f} s |"
            )
    return "\n".join(lines) + "\n"


def markdown(results: dict, seeds: int, steps: int, machine: str) -> str:
    """The RESULTS.md section."""
    lines = [
        f"## RL algorithm family on CartPole-v1 (issue 12): spiking vs MLP, {seeds} seeds x {steps} steps",
        "",
        f"Machine: {machine}. `python benchmarks/bench_algorithms.py --seeds {seeds} --steps {steps}`; "
        "figure `benchmarks/figures/algorithms_cartpole.png`, numbers `benchmarks/results/algorithms.json`.",
        "",
        "| algorithm | network | return, last 10 % (mean ± SE over seeds) | spikes / decision | SynOps / decision | wall |",
        "|---|---|---|---|---|---|",
    ]
    for key, run in results["learning"].items():
        name, kind = key.split("/")
        lines.append(
            f"| {name} | {kind} | {run['final']:.1f} ± {run['final_se']:.1f} | {run['spikes_per_decision']:.1f} "
            f"| {run['synops_per_decision']:.0f} | {run['wall_s']:.0f} s |"
        )
    lines += ["", "Environment steps per second (after compiling; 4 environments per seed):", ""]
    lines += throughput_table(results["throughput"], results["throughput_algorithms"], results["seed_counts"])
    lines += [
        "",
        "Temporary memory of one episode's gradient (100 recurrent LIF neurons, 4 substeps per decision):",
        "",
        "| T (decisions) | BPTT | e-prop (online traces) |",
        "|---|---|---|",
    ]
    for steps_ in results["lengths"]:
        lines.append(
            f"| {steps_} | {results['memory'][f'bptt/{steps_}'] / 2**20:.2f} MiB "
            f"| {results['memory'][f'eprop/{steps_}'] / 2**20:.2f} MiB |"
        )
    return "\n".join(lines) + "\n"


def throughput_table(rates: dict, algorithms, seed_counts) -> list[str]:
    """Markdown rows of the steps-per-second table (``rates`` as written by ``throughput``)."""
    lines = ["| algorithm | network | " + " | ".join(f"{n} seeds" for n in seed_counts) + " |"]
    lines.append("|---|---|" + "---|" * len(seed_counts))
    for name in algorithms:
        for kind in ("lif", "mlp"):
            cells = " | ".join(f"{rates[f'{name}/{kind}/{n}']:.0f}" for n in seed_counts)
            lines.append(f"| {name} | {kind} | {cells} |")
    return lines


def machine_name() -> str:
    """CPU, core count, JAX version and backend, for the records."""
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, JAX {jax.__version__} "
        f"on {jax.devices()[0].platform}"
    )


def throughput_only() -> str:
    """Steps per second of all four algorithms, 1 / 16 / 256 seeds, side by side in one invocation; writes
    results/algorithms_throughput.json and returns the markdown table."""
    seed_counts = (1, 16, 256)
    rates = throughput(seed_counts, tuple(SETTINGS))
    (HERE / "results" / "algorithms_throughput.json").write_text(
        json.dumps({"machine": machine_name(), "seed_counts": seed_counts, "throughput": rates}, indent=1) + "\n"
    )
    return "\n".join(throughput_table(rates, SETTINGS, seed_counts))


def main() -> None:
    """Run the three measurements, write JSON and figure, print the markdown section."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check the script runs")
    parser.add_argument("--smoke", action="store_true", help="only run every algorithm on every environment")
    parser.add_argument("--throughput", action="store_true", help="only steps per second, every algorithm")
    parser.add_argument("--curves", action="store_true", help="only return vs steps on --envs (resumable)")
    parser.add_argument("--envs", default=",".join(CURVE_ENVS), help="comma-separated, for --curves")
    parser.add_argument("--resume", action="store_true", help="continue results/algorithms_curves.json")
    args = parser.parse_args()
    if args.curves:
        print(curves(tuple(args.envs.split(",")), args.seeds, args.steps, args.resume))
        return
    if args.smoke:
        print(smoke())
        return
    if args.throughput:
        print(throughput_only())
        return
    seed_counts = (1, 4) if args.quick else (1, 16, 256)
    lengths = (10, 100) if args.quick else (100, 1000, 10_000)
    throughput_algorithms = ("ppo", "actor_critic") if not args.quick else ("ppo",)
    machine = machine_name()
    results = {
        "machine": machine,
        "seed_counts": list(seed_counts),
        "lengths": list(lengths),
        "throughput_algorithms": list(throughput_algorithms),
    }
    results["memory"] = memory(lengths)
    results["learning"] = learning(args.seeds, args.steps)
    results["throughput"] = throughput(seed_counts, throughput_algorithms)
    suffix = "_quick" if args.quick else ""
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"algorithms{suffix}.json").write_text(json.dumps(results, indent=1) + "\n")
    figure({ENV: results["learning"]}, HERE / "figures" / f"algorithms_cartpole{suffix}.png")
    print(markdown(results, args.seeds, args.steps, machine))


if __name__ == "__main__":
    main()
