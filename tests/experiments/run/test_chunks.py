"""A short last chunk (games not a multiple of chunk_games) runs the full chunk's compiled program, padded,
and gives make_train's numbers."""

import jax
import numpy as np

from snnrl.experiments.run import runner
from snnrl.experiments.run.runner import METRIC_NAMES, run_experiment
from snnrl.experiments.train import make_train
from tests.experiments.conftest import tiny_config


def test_a_short_last_chunk_is_padded_not_compiled_again(tmp_path, monkeypatch):
    traced = []
    original = runner._chunk_function

    def counting(config, env, env_params):
        chunk = original(config, env, env_params)

        def traced_chunk(learners, base_keys, games):
            traced.append(games.shape)
            return chunk(learners, base_keys, games)

        return jax.jit(traced_chunk)

    monkeypatch.setattr(runner, "_chunk_function", counting)
    config = tiny_config(games=5, chunk_games=2)
    run_experiment(config, tmp_path, show_progress=False)
    assert traced == [(2,)], "one program: the chunk of 2 games, the last game padded to it"
    _, expected = make_train(config)(jax.random.key(config.seed))
    with np.load(tmp_path / "metrics.npz") as metrics:
        assert metrics["game_return"].shape == (2, 5)
        for name in METRIC_NAMES:
            np.testing.assert_array_equal(metrics[name], np.asarray(getattr(expected, name)), err_msg=name)
