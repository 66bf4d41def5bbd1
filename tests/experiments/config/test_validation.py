"""Every bad input is a clear error where it enters (issue 13, item 5): config fields where the config is
built, environment protocol options, arrays given to the public steps and rules, options that do
nothing; and a property test: random configs either run a 1-game smoke run or raise ValueError naming
a field."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from snnrl.algorithms.dreaming.config import DreamingConfig
from snnrl.algorithms.dreaming.dream_options import DreamOptions
from snnrl.core import eprop
from snnrl.core.lif_config import LIFConfig
from snnrl.core.population import PopulationCodeConfig, action_rates, variable_rates
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec
from snnrl.envs import make
from snnrl.experiments.config.experiment import ExperimentConfig, preset
from snnrl.experiments.config.overrides import apply_overrides
from snnrl.experiments.train import make_train
from snnrl.models.agent import AgentConfig, agent_step, init_agent
from snnrl.models.neuromorphic import FixedHiddenLayerConfig, NeuromorphicAgentConfig
from snnrl.models.world_model import WorldModelConfig, init_world_model, world_model_step
from tests.experiments.conftest import tiny_config

BAD_CONFIGS = [
    (lambda: LIFConfig(w_res=5.0), "LIFConfig.w_res"),
    (lambda: LIFConfig(dt=True), "LIFConfig.dt"),
    (lambda: LIFConfig(v_th="0"), "LIFConfig.v_th"),
    (lambda: LIFConfig(filter_eligibility="no"), "LIFConfig.filter_eligibility"),
    (lambda: LIFConfig(w_rec_std=True), "LIFConfig.w_rec_std"),
    (lambda: PseudoDerivativeSpec(width=math.inf), "pseudo_derivative.width"),
    (lambda: PopulationCodeConfig(random_initial_phase=1), "PopulationCodeConfig.random_initial_phase"),
    (lambda: PopulationCodeConfig(sigma=True), "PopulationCodeConfig.sigma"),
    (lambda: AgentConfig(n_actions=True), "AgentConfig.n_actions"),
    (lambda: AgentConfig(readout_std=math.nan), "AgentConfig.readout_std"),
    (lambda: AgentConfig(logit_clip=math.nan), "AgentConfig.logit_clip"),
    (lambda: AgentConfig(beta_in_gradient=0), "AgentConfig.beta_in_gradient"),
    (lambda: AgentConfig(lif=None), "AgentConfig.lif"),
    (lambda: WorldModelConfig(n_state=True), "WorldModelConfig.n_state"),
    (lambda: WorldModelConfig(lr_decay=True), "WorldModelConfig.lr_decay"),
    (lambda: FixedHiddenLayerConfig(spike_mode="bursty"), "FixedHiddenLayerConfig.spike_mode"),
    (lambda: FixedHiddenLayerConfig(connection_rule="all"), "FixedHiddenLayerConfig.connection_rule"),
    (lambda: FixedHiddenLayerConfig(ram_scale=0.0), "FixedHiddenLayerConfig.ram_scale"),
    (lambda: FixedHiddenLayerConfig(n_hidden=True), "FixedHiddenLayerConfig.n_hidden"),
    (lambda: NeuromorphicAgentConfig(readout_std=-1.0), "NeuromorphicAgentConfig.readout_std"),
    (lambda: NeuromorphicAgentConfig(trace_decay=2.0), "NeuromorphicAgentConfig.trace_decay"),
    (lambda: NeuromorphicAgentConfig(lr_decay_updates=0), "NeuromorphicAgentConfig.lr_decay_updates"),
    (lambda: DreamingConfig(dream=DreamOptions(clip_state="yes")), "DreamOptions.clip_state"),
    (lambda: DreamingConfig(model_learning_stop=1.5), "DreamingConfig.model_learning_stop"),
    (lambda: DreamingConfig(dream=DreamOptions(lr_scale=math.inf)), "DreamOptions.lr_scale"),
    (lambda: DreamingConfig(mode="plan", n_fut=101), "DreamingConfig.n_fut"),
    (lambda: DreamingConfig(agent=LIFConfig()), "DreamingConfig.agent"),
    (lambda: ExperimentConfig(seed=2**32), "ExperimentConfig.seed"),
    (lambda: ExperimentConfig(games=2**31), "ExperimentConfig.games"),
    (lambda: ExperimentConfig(env=""), "ExperimentConfig.env"),
    (lambda: ExperimentConfig(sticky_prob=True), "ExperimentConfig.sticky_prob"),
    (lambda: ExperimentConfig(noop_warmup=False), "ExperimentConfig.noop_warmup"),
    (lambda: ExperimentConfig(algorithm=None), "ExperimentConfig.algorithm"),
]


@pytest.mark.parametrize("build, field", BAD_CONFIGS, ids=[field for _, field in BAD_CONFIGS])
def test_bad_config_fields_are_named(build, field):
    with pytest.raises(ValueError, match=rf"{field.replace('.', '[.]')}\b"):
        build()


@pytest.mark.parametrize(
    "options, name",
    [
        ({"sticky_prob": 1.0}, "sticky_prob"),
        ({"horizon": 0}, "horizon"),
        ({"frameskip": 2.5}, "frameskip"),
        ({"noop_warmup": True}, "noop_warmup"),
        ({"render_frames": "yes"}, "render_frames"),
    ],
)
def test_make_validates_protocol_options(options, name):
    with pytest.raises(ValueError, match=rf"make\('pong'\)\.{name} must be"):
        make("pong", **options)


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(n_fut=2), "--n-fut sets algorithm.n_fut, used in mode plan; it does nothing in mode .dream."),
        (dict(mode="plan", dream_start="random"), "--dream-start"),
    ],
)
def test_options_that_do_nothing_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        apply_overrides(preset("demo"), **changes)


def test_mismatch_with_the_jax_backend_is_refused():
    with pytest.raises(ValueError, match="--mismatch .* does nothing with --backend jax"):
        apply_overrides(preset("neuromorphic"), backend="jax", mismatch=0.1)


AGENT = AgentConfig(lif=LIFConfig(n_neurons=6))
MODEL = WorldModelConfig(lif=LIFConfig(n_neurons=6))


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: agent_step(
                AGENT, init_agent(jax.random.key(0), AGENT), AGENT.initial_state(None), jnp.zeros(3), jax.random.key(1)
            ),
            r"observation must have shape \(4\)",
        ),
        (
            lambda: agent_step(
                AGENT,
                init_agent(jax.random.key(0), AGENT),
                AGENT.initial_state(None),
                jnp.array([0, jnp.nan, 0, 0]),
                jax.random.key(1),
            ),
            "observation holds 1 NaN",
        ),
        (
            lambda: world_model_step(
                MODEL, init_world_model(jax.random.key(0), MODEL), MODEL.initial_state(None), jnp.zeros(4), jnp.array(3)
            ),
            r"action must lie in \[0, 3\)",
        ),
        (
            lambda: world_model_step(
                MODEL,
                init_world_model(jax.random.key(0), MODEL),
                MODEL.initial_state(None),
                jnp.zeros(4),
                jnp.array(1.0),
            ),
            "action must hold integer actions",
        ),
        (lambda: variable_rates(jnp.zeros((2, 4)), PopulationCodeConfig()), "variables must have shape"),
        (lambda: action_rates(jnp.array(-1), PopulationCodeConfig()), r"action must lie in \[0, 3\)"),
        (
            lambda: eprop.policy_readout_gradient(
                jnp.zeros((5, 6)), jnp.array([0, 1, 2, 3, 0]), jnp.full((5, 3), 1 / 3), jnp.zeros(5), 5.0, 0.9
            ),
            r"actions must lie in \[0, 3\)",
        ),
        (
            lambda: eprop.policy_readout_gradient(
                jnp.zeros((5, 6)), jnp.zeros(5, int), jnp.full((5, 3), 1.5), jnp.zeros(5), 5.0, 0.9
            ),
            r"probabilities must lie in \[0, 1\]",
        ),
    ],
)
def test_bad_arrays_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_checks_do_not_stop_jit():
    readout_trace, actions, probabilities = jnp.ones((5, 6)), jnp.zeros(5, jnp.int32), jnp.full((5, 3), 1 / 3)
    eager = eprop.policy_readout_gradient(readout_trace, actions, probabilities, jnp.ones(5), 5.0, 0.9)
    jitted = jax.jit(lambda r: eprop.policy_readout_gradient(r, actions, probabilities, jnp.ones(5), 5.0, 0.9))(
        readout_trace
    )
    np.testing.assert_allclose(eager, jitted, rtol=1e-6)


# ------------------------------------------------------------------ property: ValueError naming a field, or a run

GOOD_AND_BAD = st.one_of(
    st.sampled_from([True, False, None, "x", -1, 0, 1, 2, 0.5, -0.5, math.nan, math.inf, -math.inf, 1e39, 3]),
    st.floats(min_value=-5, max_value=5),
    st.integers(min_value=-3, max_value=40),
)
FIELDS = (
    "seed",
    "games",
    "sticky_prob",
    "noop_warmup",
    "chunk_games",
    "algorithm.mode",
    "algorithm.n_fut",
    "algorithm.dream.steps",
    "algorithm.dream.clip_state",
    "algorithm.model_learning_stop",
    "algorithm.dream.lr_scale",
    "algorithm.agent.beta",
    "algorithm.agent.trace_decay",
    "algorithm.agent.readout_std",
    "algorithm.agent.logit_clip",
    "algorithm.agent.lif.v_th",
    "algorithm.agent.lif.w_res",
    "algorithm.agent.lif.tau_m",
    "algorithm.agent.lif.w_rec_std",
    "algorithm.world_model.cost_reward",
    "algorithm.world_model.reward_decay",
    "algorithm.world_model.lif.w_in_std",
    "algorithm.world_model.action_scale",
)


def _with(config, path: str, value):
    head, _, rest = path.partition(".")
    if not rest:
        return config.replace(**{head: value})
    return config.replace(**{head: _with(getattr(config, head), rest, value)})


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(FIELDS), GOOD_AND_BAD, min_size=2, max_size=4))
def test_random_configs_run_or_name_a_field(changes):
    config = tiny_config(games=1, realizations=1)
    try:
        for path, value in changes.items():
            config = _with(config, path, value)
    except ValueError as error:
        assert any(path.rsplit(".", 1)[-1] in str(error) for path in changes), str(error)
        return
    jax.block_until_ready(make_train(config.replace(games=1))(jax.random.key(0)))
