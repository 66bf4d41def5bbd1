"""The parity checks can fail: each item of DESIGN 1c, changed in the preset, makes them fail.

Every mutation below is one named option of snnrl set to a value the official code does not have (or a
preset value the code does not use); the comparison with the NumPy transcription must then raise. Small
networks (N = 60, 60 hidden neurons) and games 0 and 51 keep each case to a few seconds. Two options
have no effect on these games and are checked elsewhere: dream.clip_state (dreams stay inside [0, 255]
here) and the logit clip at 50 (logits stay far below it; tests/models/test_neuromorphic.py).
"""

from __future__ import annotations

import pytest

from snnrl.experiments.config.experiment import preset
from tests.parity import test_neuromorphic_parity as neuromorphic_parity
from tests.parity import test_official_parity as official_parity
from tests.parity.reference_neuromorphic import NeuromorphicConstants
from tests.parity.reference_official import OfficialConstants

GAMES = (0, 51)


def _agent(**changes):
    return lambda a: a.replace(agent=a.agent.replace(**changes))


def _model(**changes):
    return lambda a: a.replace(world_model=a.world_model.replace(**changes))


def _algorithm(dream=(), **changes):
    return lambda a: a.replace(dream=a.dream.replace(**dict(dream)), **changes)


OFFICIAL_MUTATIONS = {
    "item 2: no model warm-up": _algorithm(model_warmup_steps=0, dream=dict(model_warmup=False)),
    "item 3/5: action drive 1 instead of 5": _model(action_scale=1.0),
    "item 4: targets in observation units": _model(target_units="observation", jump_threshold=30.0 / 255.0),
    "item 4: jumps of 20 kept": _model(jump_threshold=20.0),
    "item 5: reward weight 1 in the recurrent signal": _model(recurrent_reward_weight=1.0),
    "item 5: model self-connections zeroed": _model(recurrent_diagonal="zero"),
    "item 5: reward target not low-passed": _model(reward_decay=0.0),
    "item 6: learning from game 52": _algorithm(agent_learning_start=52),
    "item 6: no optimizer steps before learning": _algorithm(awake_updates_from_game=None),
    "item 6: awake update in game 0": _algorithm(awake_updates_from_game=0),
    "item 6: agent self-connections never drawn": _agent(recurrent_diagonal="zero"),
    "item 6: no plain readout step": _agent(readout_plain_step=0.0),
    "item 6: beta in the policy gradient": _agent(beta_in_gradient=True),
    "item 7: no dream warm-up": _algorithm(dream=dict(model_warmup=False)),
    "item 7: dream eligibility kept": _algorithm(dream=dict(eligibility_reset=False)),
    "item 7: policy trace restarts in the dream": _algorithm(dream=dict(continues_policy_trace=False)),
    "item 8: agent Adam eps 1e-8": _agent(adam_eps=1e-8),
    "item 8: model Adam eps 1e-8": _model(adam_eps=1e-8),
    "item 8: model learning-rate decay": _model(lr_decay=0.99, lr_decay_steps=50),
}


@pytest.mark.parametrize("name", list(OFFICIAL_MUTATIONS))
def test_official_parity_catches(name):
    config = OFFICIAL_MUTATIONS[name](official_parity.official(n_neurons=60, mode="dream"))
    with pytest.raises(AssertionError):
        official_parity.run_parity(config, OfficialConstants(n_neurons=60), games=GAMES)


def test_official_parity_catches_a_baseline_without_model():
    # Item 10: the official baseline still trains the world model.
    config = official_parity.official(n_neurons=60, mode="none", baseline_runs_model=False)
    with pytest.raises(AssertionError):
        official_parity.run_parity(config, OfficialConstants(n_neurons=60), games=GAMES)


def _hidden(**changes):
    def change(a):
        hidden = a.agent.hidden.replace(**changes)
        return a.replace(agent=a.agent.replace(hidden=hidden), world_model=a.world_model.replace(hidden=hidden))

    return change


NEUROMORPHIC_MUTATIONS = {
    "0.004 for the dreaming arm's updates": _agent(dreaming_learning_rate=None),
    "first awake update at game 1": _algorithm(awake_updates_from_game=1),
    "policy trace continued into the dream": _algorithm(dream=dict(continues_policy_trace=True)),
    "model in observation units": _model(target_units="observation", jump_threshold=30.0 / 255.0),
    "no learning-rate decay": lambda a: _model(lr_decay=1.0)(_agent(lr_decay=1.0)(a)),
    "agent Adam eps 1e-8": _agent(adam_eps=1e-8),
    "readout filter of 0.5": _hidden(count_decay=0.5),
}


@pytest.mark.parametrize("name", list(NEUROMORPHIC_MUTATIONS))
def test_neuromorphic_parity_catches(name):
    # A decay every 3 steps makes the decay mutation visible within two games.
    base = neuromorphic_parity.neuromorphic("jax", lr_decay_updates=3, mode="dream")
    base = _hidden(n_hidden=60)(base)
    config = NEUROMORPHIC_MUTATIONS[name](base)
    constants = NeuromorphicConstants(n_hidden=60, lr_decay_every=3)
    with pytest.raises(AssertionError):
        neuromorphic_parity.run_parity(config, constants, games=GAMES)


def test_neuromorphic_parity_catches_a_baseline_with_a_model():
    base = _hidden(n_hidden=60)(neuromorphic_parity.neuromorphic("jax", mode="none", baseline_runs_model=True))
    with pytest.raises(AssertionError):
        neuromorphic_parity.run_parity(base, NeuromorphicConstants(n_hidden=60), games=GAMES)


@pytest.mark.parametrize("name", ["official", "neuromorphic"])
def test_the_unmutated_small_cases_pass(name):
    # The mutations above fail because of the change, not because the small setting itself differs.
    if name == "official":
        official_parity.run_parity(
            official_parity.official(n_neurons=60, mode="dream"), OfficialConstants(n_neurons=60), games=GAMES
        )
    else:
        base = _hidden(n_hidden=60)(neuromorphic_parity.neuromorphic("jax", lr_decay_updates=3, mode="dream"))
        neuromorphic_parity.run_parity(base, NeuromorphicConstants(n_hidden=60, lr_decay_every=3), games=GAMES)


def test_sticky_actions_of_both_presets():
    # Item 9 / neuromorphic list: Pong-ramDeterministic-v0 has sticky actions 0.25 (the replayed
    # trajectories above are recorded with them; the environment tests check the mechanism).
    assert preset("official").sticky_prob == 0.25 and preset("neuromorphic").sticky_prob == 0.25
    assert preset("official").noop_warmup + preset("official").algorithm.model_warmup_steps == 21
    assert preset("neuromorphic").noop_warmup == 18
