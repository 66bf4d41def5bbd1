"""Apply command-line choices on top of a preset (None = keep the preset's value)."""

from __future__ import annotations

from snnrl.core.fields import used_modes
from snnrl.envs import env_spec
from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.hardware.backend import on_board, simulates_chip
from snnrl.models.neuromorphic import NeuromorphicAgentConfig


def apply_overrides(
    config: ExperimentConfig,
    *,
    env=None,
    mode=None,
    realizations=None,
    games=None,
    seed=None,
    n_fut=None,
    model_update=None,
    dream_start=None,
    neurons=None,
    chunk_games=None,
    backend=None,
    mismatch=None,
    threshold=None,
) -> ExperimentConfig:
    """A validated copy of ``config`` with the given fields replaced. Unknown env names list the known
    ones; backend / mismatch / threshold apply to readout-only (neuromorphic) presets only."""
    algorithm = config.algorithm
    changes = {k: v for k, v in dict(mode=mode, n_fut=n_fut, model_update=model_update).items() if v is not None}
    if dream_start is not None:
        changes["dream"] = algorithm.dream.replace(start=dream_start)
    hidden_changes = {
        k: v for k, v in dict(backend=backend, mismatch=mismatch, threshold=threshold).items() if v is not None
    }
    neuromorphic = isinstance(algorithm.agent, NeuromorphicAgentConfig)
    if hidden_changes and not neuromorphic:
        raise ValueError(
            "--backend, --mismatch and threshold need a neuromorphic preset (e.g. --preset neuromorphic), not "
            f"{config.preset!r}"
        )
    if neurons is not None and neuromorphic:
        hidden_changes["n_hidden"] = neurons
    elif neurons is not None:
        changes["agent"] = algorithm.agent.replace(lif=algorithm.agent.lif.replace(n_neurons=neurons))
        changes["world_model"] = algorithm.world_model.replace(lif=algorithm.world_model.lif.replace(n_neurons=neurons))
    if hidden_changes:
        changes["agent"] = algorithm.agent.replace(hidden=algorithm.agent.hidden.replace(**hidden_changes))
        changes["world_model"] = algorithm.world_model.replace(
            hidden=algorithm.world_model.hidden.replace(**hidden_changes)
        )
    if changes:
        algorithm = algorithm.replace(**changes)
    if env is not None:
        from snnrl.envs import registered_names

        known = registered_names()
        if env not in known:
            raise ValueError(f"unknown environment {env!r}; known: {', '.join(known)}")
    _refuse_idle_options(algorithm, n_fut=n_fut, dream_start=dream_start, mismatch=mismatch, threshold=threshold)
    experiment = {
        k: v
        for k, v in dict(env=env, realizations=realizations, games=games, seed=seed, chunk_games=chunk_games).items()
        if v is not None
    }
    return config.replace(algorithm=algorithm, **experiment)


def _refuse_idle_options(algorithm, *, n_fut, dream_start, mismatch, threshold) -> None:
    """ValueError for an option given that does nothing in the chosen mode (the modes that use its field are
    declared in the field's metadata, core.fields.used_in) or backend."""
    for flag, path, given in (("--n-fut", "n_fut", n_fut), ("--dream-start", "dream.start", dream_start)):
        owner, _, name = path.rpartition(".")
        modes = used_modes(getattr(algorithm, owner) if owner else algorithm, name)
        if given is not None and modes is not None and algorithm.mode not in modes:
            raise ValueError(
                f"{flag} sets algorithm.{path}, used in mode {', '.join(modes)}; it does nothing in mode "
                f"{algorithm.mode!r}"
            )
    backend = getattr(getattr(algorithm.agent, "hidden", None), "backend", None)
    if mismatch is not None and not simulates_chip(backend):
        raise ValueError(
            f"--mismatch sets the simulated chip's device mismatch; it does nothing with --backend {backend}"
        )
    if threshold is not None and on_board(backend):
        raise ValueError("--threshold sets the simulated chip's threshold; the dynapse1 board uses its own biases")


def fit_to_environment(config: ExperimentConfig, env, env_params) -> ExperimentConfig:
    """Set the agent's inputs / actions and the world model's state / actions to the environment's
    observation size and action count (gymnax ``observation_space`` and ``action_space(...).n``); outside
    Atari RAM environments a world model in 'ram' units predicts in 'observation' units instead."""
    import math

    n_inputs = math.prod(env.observation_space(env_params).shape)
    action_space = env.action_space(env_params)
    if not hasattr(action_space, "n"):
        raise ValueError(
            f"the spiking agent picks one of n discrete actions; {config.env!r} has a continuous action space"
        )
    n_actions = int(action_space.n)
    algorithm = config.algorithm
    if algorithm.world_model.target_units == "ram" and not env_spec(config.env).ram_observations:
        # Raw RAM bytes exist only for Atari RAM observations: elsewhere the model predicts the change of
        # the observation itself, with the jump threshold in the same units.
        model = algorithm.world_model
        units = model.units_per_observation
        model = model.replace(target_units="observation", jump_threshold=model.jump_threshold / units)
        config = config.replace(algorithm=algorithm.replace(world_model=model))
        algorithm = config.algorithm
    if (algorithm.agent.n_inputs, algorithm.agent.n_actions) == (n_inputs, n_actions):
        return config
    algorithm = algorithm.replace(
        agent=algorithm.agent.replace(n_inputs=n_inputs, n_actions=n_actions),
        world_model=algorithm.world_model.replace(n_state=n_inputs, n_actions=n_actions),
    )
    return config.replace(algorithm=algorithm)
