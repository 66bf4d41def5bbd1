"""Every gymnax environment behind snnrl's interface (``make("gymnax:CartPole-v1")``).

gymnax 1.0's ``step`` already returns (obs, state, reward, terminated, truncated, info) but resets
finished episodes; the adapter calls the underlying ``step_env`` (natural termination, no reset, like
every snnrl env) and gymnax's ``is_truncated`` (``params.max_steps_in_episode`` reached).
gymnax is imported only when an adapter is built (it takes seconds and imports ``six``, which
snnrl's dependencies list because gymnax does not).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from snnrl.envs.base import StepResult, check_action


def gymnax_ids() -> list[str]:
    """The ids gymnax registers (imports gymnax)."""
    import gymnax

    return list(gymnax.registered_envs)


def gymnax_continuous(name: str) -> bool:
    """Whether ``gymnax:<id>`` acts in a continuous space, read from the return type its class declares for
    ``action_space`` (some gymnax environments download data when built); built only when undeclared."""
    import inspect

    import gymnax.registration

    env_id = name.removeprefix("gymnax:")
    factory = getattr(gymnax.registration, "_registry", {}).get(env_id)
    declared = inspect.signature(factory.action_space).return_annotation if inspect.isclass(factory) else None
    if declared in (None, inspect.Signature.empty):
        env = GymnaxEnv(env_id)
        return not env._discrete(env.default_params)
    return not getattr(declared, "__name__", str(declared)).endswith("Discrete")


class GymnaxEnv:
    """A gymnax environment with the 6-tuple step and eager action checks for discrete actions."""

    host_side = False

    def __init__(self, env_id: str):
        import gymnax

        if env_id not in gymnax.registered_envs:
            raise ValueError(f"unknown gymnax environment {env_id!r}; known: {', '.join(gymnax.registered_envs)}")
        self.env, self._default_params = gymnax.make(env_id)
        self.name = f"gymnax:{env_id}"

    @property
    def default_params(self) -> Any:
        return self._default_params

    @property
    def num_actions(self) -> int:
        return int(self.env.num_actions)

    def _discrete(self, params: Any) -> bool:
        return hasattr(self.env.action_space(params), "n")

    def reset(self, key: jax.Array, params: Any) -> tuple[jax.Array, Any]:
        """(observation, state) of a fresh episode."""
        return self.env.reset_env(key, params)

    def step(self, key: jax.Array, state: Any, action: jax.Array, params: Any) -> StepResult:
        """One step without auto-reset: (obs, state, reward, terminated, truncated, info)."""
        if self._discrete(params):
            check_action(action, self.num_actions)
        obs, next_state, reward, terminated, info = self.env.step_env(key, state, action, params)
        truncated = self.env.is_truncated(next_state, params)
        return obs, next_state, reward, jnp.asarray(terminated, bool), jnp.asarray(truncated, bool), info

    def observation_space(self, params: Any) -> Any:
        return self.env.observation_space(params)

    def action_space(self, params: Any) -> Any:
        return self.env.action_space(params)
