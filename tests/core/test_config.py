"""LIFConfig: validation (each error names its field), presets with the DESIGN 1a values, decays."""

from __future__ import annotations

import dataclasses
import math

import pytest

from snnrl.core.lif_config import LIF_PRESETS, LIFConfig, lif_preset
from snnrl.core.pseudo_derivatives import PseudoDerivativeSpec


@pytest.mark.parametrize("name", ["dt", "tau_m", "tau_s", "tau_readout"])
@pytest.mark.parametrize("value", [0.0, -1.0, -1e-9, float("nan"), float("inf")])
def test_time_constants_must_be_positive_and_finite(name, value):
    with pytest.raises(ValueError, match=rf"LIFConfig\.{name}\b"):
        LIFConfig(**{name: value})


@pytest.mark.parametrize("name", ["dt", "tau_m", "tau_s", "tau_readout"])
def test_replace_revalidates_time_constants(name):
    config = LIFConfig(n_neurons=10)
    with pytest.raises(ValueError, match=rf"LIFConfig\.{name}\b"):
        config.replace(**{name: 0.0})
    with pytest.raises(ValueError, match=rf"LIFConfig\.{name}\b"):
        lif_preset("official", **{name: -2.0})


@pytest.mark.parametrize("value", [0, -1, -500, 2.5, 10.0, "20", None, True])
def test_n_neurons_must_be_a_positive_int(value):
    with pytest.raises(ValueError, match=r"LIFConfig\.n_neurons\b"):
        LIFConfig(n_neurons=value)


@pytest.mark.parametrize("name", ["v_rest", "v_th", "w_res", "v_init"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_voltages_must_be_finite(name, value):
    with pytest.raises(ValueError, match=rf"LIFConfig\.{name}\b"):
        LIFConfig(**{name: value})


def test_nan_v_rest_rejected_also_through_replace_and_presets():
    with pytest.raises(ValueError, match=r"LIFConfig\.v_rest\b"):
        LIFConfig(n_neurons=5).replace(v_rest=float("nan"))
    with pytest.raises(ValueError, match=r"LIFConfig\.v_rest\b"):
        lif_preset("paper", v_rest=float("nan"))


@pytest.mark.parametrize("name", ["not_a_surrogate", "Sigmoid", "", "fast_sigmoid"])
def test_unknown_pseudo_derivative_name(name):
    with pytest.raises(ValueError, match=r"pseudo_derivative\.name"):
        PseudoDerivativeSpec(name=name)
    with pytest.raises(ValueError, match=r"pseudo_derivative\.name"):
        LIFConfig(pseudo_derivative=PseudoDerivativeSpec(name=name))


@pytest.mark.parametrize("field_name, value", [("width", 0.0), ("width", -1.0), ("gamma", 0.0), ("gamma", -0.3)])
def test_pseudo_derivative_width_and_gamma_must_be_positive(field_name, value):
    with pytest.raises(ValueError, match=rf"pseudo_derivative\.{field_name}\b"):
        PseudoDerivativeSpec(**{field_name: value})


def test_pseudo_derivative_given_as_a_string_is_rejected():
    with pytest.raises(ValueError, match=r"LIFConfig\.pseudo_derivative\b"):
        LIFConfig(pseudo_derivative="sigmoid")


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf")])
def test_w_rec_std_validation(value):
    with pytest.raises(ValueError, match=r"LIFConfig\.w_rec_std\b"):
        LIFConfig(w_rec_std=value)


@pytest.mark.parametrize("value", [0.0, -10.0, float("nan")])
def test_w_in_std_validation(value):
    with pytest.raises(ValueError, match=r"LIFConfig\.w_in_std\b"):
        LIFConfig(w_in_std=value)


@pytest.mark.parametrize("name", ["offical", "Paper", "", "default"])
def test_unknown_preset(name):
    with pytest.raises(ValueError, match=rf"preset '{name}'"):
        lif_preset(name)


@pytest.mark.parametrize("bad", ["tau_mem", "threshold", "N"])
def test_replace_with_unknown_field(bad):
    config = LIFConfig(n_neurons=10)
    with pytest.raises(ValueError, match=rf"'{bad}'"):
        config.replace(**{bad: 1.0})
    # a mix of known and unknown fields is rejected and names only the unknown one
    with pytest.raises(ValueError, match=rf"no field\(s\) \['{bad}'\]"):
        config.replace(tau_m=3.0, **{bad: 1.0})
    with pytest.raises(ValueError, match=rf"'{bad}'"):
        lif_preset("official", **{bad: 1.0})


def test_replace_changes_only_the_named_fields():
    config = LIFConfig(n_neurons=10)
    changed = config.replace(tau_m=12.0, filter_eligibility=True)
    assert changed.tau_m == 12.0 and changed.filter_eligibility is True
    assert config.tau_m == 6.0 and config.filter_eligibility is False  # original untouched
    for f in dataclasses.fields(LIFConfig):
        if f.name not in ("tau_m", "filter_eligibility"):
            assert getattr(changed, f.name) == getattr(config, f.name), f.name


def test_config_is_frozen_and_hashable():
    config = LIFConfig(n_neurons=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.tau_m = 3.0  # type: ignore[misc]
    assert hash(config) == hash(LIFConfig(n_neurons=10))  # usable as a static jit argument
    assert config == LIFConfig(n_neurons=10) and config != LIFConfig(n_neurons=11)


def test_official_preset_has_design_values():
    config = lif_preset("official")
    assert config is LIF_PRESETS["official"]
    assert config.n_neurons == 500
    assert config.dt == 1.0
    assert config.tau_m == 6.0
    assert config.tau_s == 4.0
    assert config.tau_readout == 1.0
    assert config.v_rest == -8.0
    assert config.v_th == 0.0
    assert config.w_res == -100.0
    assert config.v_init == -4.0
    assert config.w_in_std == 10.0
    assert config.recurrent_std == pytest.approx(1.0 / math.sqrt(500))
    assert config.pseudo_derivative == PseudoDerivativeSpec("sigmoid", width=1.0)
    assert config.filter_eligibility is False


def test_paper_preset_has_design_values():
    config = lif_preset("paper")
    assert config.v_rest == -4.0
    assert config.w_res == -20.0
    assert config.v_th == 0.0
    assert config.w_in_std == pytest.approx(math.sqrt(5.0))  # input variance 5
    # everything else as the official preset
    official = lif_preset("official")
    for f in dataclasses.fields(LIFConfig):
        if f.name not in ("v_rest", "w_res", "w_in_std"):
            assert getattr(config, f.name) == getattr(official, f.name), f.name


def test_preset_with_changes_does_not_mutate_the_preset():
    small = lif_preset("paper", n_neurons=30, tau_readout=2.0)
    assert small.n_neurons == 30 and small.tau_readout == 2.0
    assert small.v_rest == -4.0 and small.w_res == -20.0
    assert LIF_PRESETS["paper"].n_neurons == 500 and LIF_PRESETS["paper"].tau_readout == 1.0


@pytest.mark.parametrize(
    "dt, tau_m, tau_s, tau_readout",
    [(1.0, 6.0, 4.0, 1.0), (1.0, 20.0, 2.0, 3.0), (0.5, 6.0, 4.0, 2.0), (2.0, 1.0, 100.0, 1e-3)],
)
def test_alpha_properties(dt, tau_m, tau_s, tau_readout):
    config = LIFConfig(n_neurons=3, dt=dt, tau_m=tau_m, tau_s=tau_s, tau_readout=tau_readout)
    assert config.alpha_m == pytest.approx(math.exp(-dt / tau_m), rel=1e-15)
    assert config.alpha_s == pytest.approx(math.exp(-dt / tau_s), rel=1e-15)
    assert config.alpha_readout == pytest.approx(math.exp(-dt / tau_readout), rel=1e-15, abs=0.0)
    for alpha in (config.alpha_m, config.alpha_s, config.alpha_readout):
        assert 0.0 <= alpha < 1.0


def test_official_alphas_numerically():
    config = lif_preset("official")
    assert config.alpha_m == pytest.approx(0.846481724890614)  # exp(-1/6)
    assert config.alpha_s == pytest.approx(0.7788007830714049)  # exp(-1/4)
    assert config.alpha_readout == pytest.approx(0.36787944117144233)  # exp(-1)


@pytest.mark.parametrize("n", [1, 7, 64])
def test_recurrent_std_defaults_to_inverse_sqrt_n(n):
    assert LIFConfig(n_neurons=n).recurrent_std == pytest.approx(1.0 / math.sqrt(n))
    assert LIFConfig(n_neurons=n, w_rec_std=0.3).recurrent_std == 0.3
