"""Environment throughput: JAX Pong at 1, 64, 1024 and 16384 parallel games against real ALE Pong
(one emulator, and one emulator per CPU core in separate processes), in one run.

One agent step = 4 frames with sticky actions 0.25 (ALE/Pong-v5 settings), random actions.
JAX Pong: ``jit(scan(vmap(step)))`` over a block of steps, timed after compilation.
ALE: snnrl's host env (protocol in JAX + ale-py emulation), and ale-py alone (4 x ``act`` per step).

    python benchmarks/bench_envs.py [--sizes 1 64 1024 16384] [--seconds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import subprocess
import time

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.envs import make


def cpu_name() -> str:
    """``lscpu`` model name (falls back to the platform string)."""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or platform.machine()


def jax_pong_steps_per_second(batch: int, block: int, seconds: float) -> float:
    """Agent steps per second (summed over the batch) of the JAX Pong."""
    env, params = make("pong")

    @jax.jit
    def run(state, key):
        def body(state, t):
            step_key = jax.random.fold_in(key, t)
            keys = jax.random.split(step_key, batch)
            actions = jax.random.randint(step_key, (batch,), 0, 3)
            _, state, reward, *_ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(keys, state, actions, params)
            return state, reward

        state, rewards = jax.lax.scan(body, state, jnp.arange(block))
        return state, rewards.sum()

    _, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(jax.random.key(0), batch), params)
    state, total = run(state, jax.random.key(1))
    total.block_until_ready()
    blocks, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        state, total = run(state, jax.random.key(blocks + 2))
        total.block_until_ready()
        blocks += 1
    return blocks * block * batch / (time.perf_counter() - start)


def ale_env_steps_per_second(seconds: float) -> float:
    """Agent steps per second of snnrl's host ALE env with one emulator (episodes restarted at T)."""
    env, params = make("ale:pong", batch_size=1, horizon=10**9)
    keys = list(jax.random.split(jax.random.key(0), 20_000))
    _, state = env.reset(keys[0], params)
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, state, _, terminated, _, _ = env.step(keys[steps % len(keys)], state, rng.integers(0, 3, 1), params)
        if terminated[0]:
            _, state = env.reset(keys[0], params)
        steps += 1
    return steps / (time.perf_counter() - start)


def raw_ale_steps_per_second(seconds: float) -> float:
    """Agent steps per second of one bare ale-py emulator (4 frames per step, ALE's own sticky actions)."""
    from snnrl.envs.ale import new_emulator

    ale = new_emulator("pong", 0, repeat_action_probability=0.25)
    ale.reset_game()
    rng = np.random.default_rng(0)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        action = (0, 3, 4)[rng.integers(3)]
        for _ in range(4):
            ale.act(action)
        if ale.game_over():
            ale.reset_game()
        steps += 1
    return steps / (time.perf_counter() - start)


def _raw_worker(seconds: float) -> float:
    return raw_ale_steps_per_second(seconds)


def ale_per_core_steps_per_second(seconds: float, cores: int) -> float:
    """Summed agent steps per second of one bare emulator per core, in ``cores`` processes."""
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        return float(sum(pool.map(_raw_worker, [seconds] * cores)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 64, 1024, 16384])
    parser.add_argument("--block", type=int, default=100, help="agent steps per compiled call")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing window per measurement")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"machine: {cpu_name()}, {cores} cores; jax {jax.__version__} on {jax.devices()[0].platform}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = [(f"JAX Pong, {n} games", jax_pong_steps_per_second(n, args.block, args.seconds)) for n in args.sizes]
    rows.append(("ALE Pong via snnrl host env, 1 emulator", ale_env_steps_per_second(args.seconds)))
    rows.append(("ale-py alone, 1 emulator", raw_ale_steps_per_second(args.seconds)))
    rows.append(
        (f"ale-py alone, 1 emulator per core ({cores} processes)", ale_per_core_steps_per_second(args.seconds, cores))
    )
    reference = rows[len(args.sizes) + 1][1]
    print("| environment | agent steps/s | vs one bare ALE |")
    print("| --- | ---: | ---: |")
    for name, rate in rows:
        print(f"| {name} | {rate:,.0f} | {rate / reference:.2f}x |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
