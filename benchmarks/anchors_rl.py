"""RL rows of benchmarks/anchors.py: rejax PPO (MLP) vs ``snnrl algo ppo`` with the MLP network, and snnrl's
spiking PPO beside them, on the same gymnax environment with the same hyper-parameters: environment steps per
second for n seeds in one program (jit of vmap, compiled first, compile time reported apart), and the
return after an equal budget. Imported only after anchors.py has checked the ``bench`` extra.

Matched: environment (gymnax), 8 environments x 32 steps per update, 4 epochs, 2 minibatches of 128
transitions, Adam at the same learning rate, gamma 0.99, GAE lambda 0.95, clip 0.2, entropy 0.01, value
0.5, separate actor and critic of two tanh layers of 64. Not matched (the APIs differ), see RESULTS.md:
rejax clips each gradient element at 0.5 (optax.clip) where snnrl clips the global norm; rejax has one
optimizer per network, snnrl one over both; rejax's minibatches draw transitions, snnrl's draw whole
environments (its recurrent PPO); initialisations differ (flax defaults vs He-normal).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.networks import NetworkConfig, make_network
from snnrl.algorithms.ppo import PPOConfig, make_train

COMMON = dict(n_envs=8, n_steps=32, update_epochs=4, n_minibatches=2, gamma=0.99, gae_lambda=0.95)
LEARNING_RATES = {"CartPole-v1": 3e-3, "Breakout-MinAtar": 1e-3}
HIDDEN = 64


def snnrl_config(env: str, kind: str, steps: int) -> PPOConfig:
    """snnrl's PPO config of the comparison (``kind`` 'mlp' or 'lif', 64 hidden units)."""
    network = NetworkConfig(kind=kind, n_hidden=HIDDEN)
    return PPOConfig(env=f"gymnax:{env}", network=network, total_steps=steps, lr=LEARNING_RATES[env], **COMMON)


class FiveTuple:
    """A gymnax >= 1.0 environment whose step returns rejax 0.1.3's 5-tuple (obs, state, reward, done,
    info), done = terminated or truncated (gymnax 1.0 splits them; rejax 0.1.3 unpacks five values)."""

    def __init__(self, env) -> None:
        self._env = env

    def __getattr__(self, name: str):
        if name.startswith("__") or name == "_env":  # copy / pickle probe dunders before _env exists
            raise AttributeError(name)
        return getattr(self._env, name)

    def step(self, key, state, action, params=None):
        obs, state, reward, terminated, truncated, info = self._env.step(key, state, action, params)
        return obs, state, reward, jnp.logical_or(terminated, truncated), info


def rejax_ppo(env: str, steps: int, evaluate: bool):
    """rejax's PPO at the same settings on the gymnax environment (through ``FiveTuple``); without
    ``evaluate`` its evaluation callback is a no-op (so that steps per second time training only)."""
    import gymnax
    from rejax import PPO

    environment, env_params = gymnax.make(env)
    algo = PPO.create(
        env=FiveTuple(environment),
        env_params=env_params,
        num_envs=COMMON["n_envs"],
        num_steps=COMMON["n_steps"],
        num_epochs=COMMON["update_epochs"],
        num_minibatches=COMMON["n_minibatches"],
        learning_rate=LEARNING_RATES[env],
        max_grad_norm=0.5,
        gamma=COMMON["gamma"],
        gae_lambda=COMMON["gae_lambda"],
        clip_eps=0.2,
        ent_coef=0.01,
        vf_coef=0.5,
        total_timesteps=steps,
        eval_freq=steps,
        skip_initial_evaluation=True,
        agent_kwargs={"hidden_layer_sizes": (HIDDEN, HIDDEN), "activation": "tanh"},
    )
    return algo if evaluate else algo.replace(eval_callback=lambda algo, ts, rng: ())


def steps_per_second(train, seeds: int, steps: int) -> dict:
    """Compile jit(vmap(train)) for ``seeds`` keys, then time one run: compile seconds, steps/s."""
    keys = jax.random.split(jax.random.key(1), seeds)
    started = time.perf_counter()
    compiled = jax.jit(jax.vmap(train)).lower(keys).compile()
    compile_s = time.perf_counter() - started
    started = time.perf_counter()
    jax.block_until_ready(compiled(keys))
    return {"compile_s": compile_s, "steps_per_s": seeds * steps / (time.perf_counter() - started)}


def throughput(env: str, seed_counts: tuple[int, ...], steps: int) -> dict:
    """Steps/s of snnrl MLP PPO, rejax PPO and snnrl spiking PPO, interleaved per seed count (same load)."""
    rows = {}
    for seeds in seed_counts:
        rows[f"snnrl_mlp/{seeds}"] = steps_per_second(make_train(snnrl_config(env, "mlp", steps)), seeds, steps)
        rejax = rejax_ppo(env, steps, evaluate=False)
        rows[f"rejax/{seeds}"] = steps_per_second(lambda key, rejax=rejax: rejax.train(key)[0], seeds, steps)
        rows[f"snnrl_lif/{seeds}"] = steps_per_second(make_train(snnrl_config(env, "lif", steps)), seeds, steps)
        print(env, seeds, {k: round(v["steps_per_s"]) for k, v in rows.items() if k.endswith(f"/{seeds}")}, flush=True)
    return rows


def sampled_policy_return(env: str, kind: str, params: dict, seeds: int) -> float:
    """Mean return of snnrl's final MLP policy (actions sampled) under rejax's evaluator (128 episodes)."""
    from rejax.evaluate import evaluate

    algo = rejax_ppo(env, 1, evaluate=True)
    net = make_network(NetworkConfig(kind=kind, n_hidden=HIDDEN), algo.obs_space.shape, algo.action_dim)

    def score(actor, key):
        def act(obs, rng):
            return jax.random.categorical(rng, net.apply(actor, net.initial_state(), obs)[1])

        return evaluate(act, key, algo.env, algo.env_params, 128, algo.env_params.max_steps_in_episode)[1].mean()

    keys = jax.random.split(jax.random.key(2), seeds)
    return float(np.mean(np.asarray(jax.jit(jax.vmap(score))(params["actor"], keys))))


def returns(env: str, seeds: int, steps: int) -> dict:
    """Return after ``steps`` steps, ``seeds`` seeds: rejax (its evaluator: 128 episodes, actions sampled,
    final policy), snnrl MLP (the same evaluator, and its own last-10 % training-episode return) and
    snnrl spiking (training-episode return only: rejax's evaluator carries no network state)."""
    keys = jax.random.split(jax.random.key(3), seeds)
    algo = rejax_ppo(env, steps, evaluate=True)
    _, evaluation = jax.jit(jax.vmap(algo.train))(keys)
    out = {"rejax_eval": float(np.mean(np.asarray(evaluation[1])[:, -1]))}
    for kind in ("mlp", "lif"):
        params, metrics = jax.jit(jax.vmap(make_train(snnrl_config(env, kind, steps))))(keys)
        curve = np.nanmean(np.asarray(metrics["episode_return"]), 0)
        out[f"snnrl_{kind}_train"] = float(np.nanmean(curve[-max(1, len(curve) // 10) :]))
        if kind == "mlp":
            out["snnrl_mlp_eval"] = sampled_policy_return(env, kind, params, seeds)
    print(env, "returns", out, flush=True)
    return out
