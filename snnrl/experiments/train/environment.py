"""The run's environment, resolved once: ``prepare(config) -> (config, env, env_params)`` makes the
environment, fits the config to it and checks the sweep; every entry point (make_train, run_experiment)
calls it before anything compiles."""

from __future__ import annotations

import warnings

from snnrl.experiments.config.experiment import ExperimentConfig
from snnrl.experiments.config.overrides import fit_to_environment
from snnrl.experiments.train.members import check_sweep_runs, check_sweep_traceable


def make_environment(config: ExperimentConfig):
    """(env, params) for the config: environments that take the episode protocol (Pong, ALE) get the run's
    NOOP warm-up and sticky actions; an observation pipeline wraps the environment (its sensors are put in
    per member by ``member_env_params``); episodic environments reset inside a game
    (``with_episode_reset``); observations of more than one axis (MinAtar's grids) are flattened
    (envs.FlatObservations: the networks take vectors). What the environment needs from outside (ALE's ROM)
    is looked up here (its registry entry's check), before anything compiles."""
    from snnrl.envs import FlatObservations, env_spec, make
    from snnrl.observations import observed

    entry = env_spec(config.env)
    if entry.protocol:
        env, params = make(config.env, noop_warmup=config.noop_warmup, sticky_prob=config.sticky_prob)
    else:
        env, params = make(config.env)
    if entry.check is not None:
        entry.check(env)
    _warn_latent_jumps(config)
    env, params = observed(env, params, config.observation, config.env)
    if len(env.observation_space(params).shape) > 1:
        env = FlatObservations(env)
    return with_episode_reset(config, entry.episodic, env), params


def with_episode_reset(config: ExperimentConfig, episodic: bool, env):
    """``env`` with a step that starts a new episode where one ends (envs.EpisodeReset) when the run's
    episode_reset (None: the environment's declared ``episodic``) is on; ValueError for a host-side
    environment, whose games keep the papers' protocol."""
    if not (episodic if config.episode_reset is None else config.episode_reset):
        return env
    from snnrl.envs import EpisodeReset

    if env.host_side:
        raise ValueError(
            f"episode_reset=True resets JAX environments inside a game; {config.env!r} is stepped from the host "
            "(its games keep the papers' protocol): leave episode_reset unset"
        )
    return EpisodeReset(env)


def _warn_latent_jumps(config: ExperimentConfig) -> None:
    """Warn when the world model would zero large changes of an autoencoder's latent (the jump threshold
    is meant for RAM bytes that teleport, e.g. the ball after a point)."""
    model = config.algorithm.world_model
    if config.observation.pipeline != "autoencoder" or model.jump_threshold >= model.units_per_observation:
        return
    warnings.warn(
        f"world_model.jump_threshold={model.jump_threshold:g} sets to 0 every change of an autoencoder latent "
        f"larger than {model.jump_threshold / model.units_per_observation:.3g} (the latent lies in (0, 1)); about a "
        "third of the Boxing autoencoder's step changes are that large. To learn them all: "
        f"world_model.jump_threshold={model.units_per_observation + 1:g} (docs/howto/pixels.md)",
        stacklevel=3,
    )


def prepare(config: ExperimentConfig, environment_of: ExperimentConfig | None = None, jax_only: bool = False):
    """(config fitted to its environment, env, env_params), the sweep checked (it can be one compiled
    program). ``environment_of``: the config whose environment is made (a resumed run's stored one);
    ``config`` by default. ``jax_only``: refuse a host-side environment (make_train compiles the whole run)."""
    env, env_params = make_environment(config if environment_of is None else environment_of)
    if jax_only and env.host_side:
        raise ValueError(f"make_train needs a JAX environment; {config.env!r} is host-side: use run_experiment")
    config = fit_to_environment(config, env, env_params)
    check_sweep_runs(config, env)
    check_sweep_traceable(config, env, env_params)
    return config, env, env_params
