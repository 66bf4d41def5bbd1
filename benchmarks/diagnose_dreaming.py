"""Why does (or doesn't) dreaming help? Diagnostics of a trained results folder (JAX environment):

1. reward signal: in a real game, the correlation between the world model's reward prediction and its
   target (the low-passed reward), and in a dream, the mean vs the spread of the predicted rewards
   (a constant bias carries no information for the policy gradient);
2. gradient alignment and size: cosine similarity between the agent's policy-gradient update from the
   real game and from the dream that follows, against the cosine between the updates of two independent
   real games; and the ratio of their norms (Adam shares one second-moment estimate between them).

    python benchmarks/diagnose_dreaming.py benchmarks/runs/fig2c_pong/dream
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from snnrl.algorithms.game import play_game
from snnrl.algorithms.imagination import imagined_gradients
from snnrl.experiments.runner import load_state, read_config
from snnrl.experiments.train import make_environment


def game_gradients(config, env, env_params, learner, key):
    """One faithful game with a dream (play_game; its updates are discarded): the agent's policy gradient
    from the real game and from the dream (rewards unmasked), the awake record and the dream's rewards."""
    algorithm = config.algorithm.replace(mode="dream")
    _, _, record = play_game(algorithm, env, env_params, learner, key)
    awake = record.awake
    real = algorithm.agent.gradients(
        learner.agent, awake.agent.network, awake.agent.action, awake.agent.probabilities, awake.reward
    )
    imagined = record.dream.imagined
    return real, imagined_gradients(algorithm, learner, imagined, imagined.rewards), awake, imagined.rewards


def flat(tree) -> jnp.ndarray:
    return jnp.concatenate([leaf.ravel() for leaf in jax.tree.leaves(tree)])


def cosine(a, b) -> jnp.ndarray:
    a, b = flat(a), flat(b)
    return jnp.dot(a, b) / (jnp.linalg.norm(a) * jnp.linalg.norm(b) + 1e-30)


def diagnose(folder: Path, games: int, seed: int) -> dict:
    config = read_config(folder)
    env, env_params = make_environment(config)
    learners = load_state(config, folder).learners

    def one(learner, key):
        key_a, key_b = jax.random.split(key)
        grad_a, grad_dream, record_a, dream_rewards = game_gradients(config, env, env_params, learner, key_a)
        grad_b, _, _, _ = game_gradients(config, env, env_params, learner, key_b)
        return grad_a, grad_b, grad_dream, record_a, dream_rewards

    keys = jax.random.split(jax.random.key(seed), games)
    results = {
        "real_vs_real": [],
        "real_vs_dream": [],
        "dream_over_real_norm": [],
        "reward_correlation": [],
        "dream_reward_mean": [],
        "dream_reward_std": [],
        "awake_target_std": [],
    }
    run = jax.jit(jax.vmap(one, in_axes=(0, None)))
    for key in keys:
        grad_a, grad_b, grad_dream, record, dream_rewards = run(learners, key)
        for r in range(config.realizations):
            pick = lambda tree, r=r: jax.tree.map(lambda x: x[r], tree)  # noqa: E731
            results["real_vs_real"].append(float(cosine(pick(grad_a), pick(grad_b))))
            results["real_vs_dream"].append(float(cosine(pick(grad_a), pick(grad_dream))))
            results["dream_over_real_norm"].append(
                float(jnp.linalg.norm(flat(pick(grad_dream))) / (jnp.linalg.norm(flat(pick(grad_a))) + 1e-30))
            )
            rewards = np.asarray(record.reward[r])
            target = np.zeros_like(rewards)
            level = 0.0
            for t, reward in enumerate(rewards):
                level = config.algorithm.world_model.reward_decay * level + reward
                target[t] = level
            prediction = np.asarray(record.model.prediction[r, :, -1])
            if target.std() > 0 and prediction.std() > 0:
                results["reward_correlation"].append(float(np.corrcoef(prediction, target)[0, 1]))
            results["awake_target_std"].append(float(target.std()))
            results["dream_reward_mean"].append(float(np.mean(dream_rewards[r])))
            results["dream_reward_std"].append(float(np.std(dream_rewards[r])))
    return {
        name: (float(np.mean(values)), float(np.std(values)), float(np.median(values)), len(values))
        for name, values in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--games", type=int, default=5)
    parser.add_argument("--seed", type=int, default=123)
    args = parser.parse_args()
    summary = diagnose(args.folder, args.games, args.seed)
    for name, (mean, std, median, count) in summary.items():
        print(f"{name:20s} mean {mean:+.4g} ± {std:.4g}, median {median:+.4g}  (n={count})")
    (args.folder / "diagnosis.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
