"""JAX Pong, faithful to the ALE: the environment (env.py, re-exported here), its state, geometry, frame step, rendering
and the fidelity checks against the ALE."""

from snnrl.envs.pong.env import (
    JaxPong,
    PongParams,
    PongState,
    frame_unless_over,
    game_over,
    observed_bytes,
    run_frames,
)

__all__ = [
    "PongParams",
    "PongState",
    "observed_bytes",
    "game_over",
    "frame_unless_over",
    "run_frames",
    "JaxPong",
]
