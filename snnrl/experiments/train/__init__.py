"""The compiled program: ``make_train`` / ``make_chunk`` (program.py), the members (members.py: keys, swept
values, learners, sweep checks), the environment resolved once (environment.py: ``prepare``), sharding,
distributed runs, the host loop (ALE, the real chip) and memory checks. This face re-exports the names
scripts use."""

from snnrl.experiments.train.environment import make_environment, prepare
from snnrl.experiments.train.members import (
    init_learners,
    learner_shapes,
    member_algorithm,
    member_env_params,
    member_keys,
    member_values,
    realization_keys,
)
from snnrl.experiments.train.program import make_chunk, make_train
from snnrl.experiments.train.sharding import realization_sharding, shard

__all__ = [
    "init_learners",
    "learner_shapes",
    "make_chunk",
    "make_environment",
    "make_train",
    "member_algorithm",
    "member_env_params",
    "member_keys",
    "member_values",
    "prepare",
    "realization_keys",
    "realization_sharding",
    "shard",
]
