"""The compiled program: make_train / make_chunk (program.py), members, environment preparation, sharding, distributed runs, the host loop and memory checks. This face re-exports program.py."""

from snnrl.experiments.train.program import (
    init_learners,
    learner_shapes,
    make_chunk,
    make_environment,
    make_train,
    member_algorithm,
    member_env_params,
    member_keys,
    member_values,
    realization_keys,
    realization_sharding,
    shard,
)

__all__ = [
    "realization_keys",
    "member_keys",
    "member_values",
    "member_algorithm",
    "init_learners",
    "learner_shapes",
    "make_chunk",
    "realization_sharding",
    "shard",
    "make_environment",
    "member_env_params",
    "make_train",
]
