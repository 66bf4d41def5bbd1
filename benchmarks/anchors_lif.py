"""Spiking-layer rows of benchmarks/anchors.py: spyx vs snnrl (surrogate-gradient BPTT through a recurrent
LIF layer) and braintrace vs snnrl (the e-prop gradient of a recurrent LIF network), at one shape
(inputs -> N LIF neurons, T steps, a batch): seconds per forward + backward, compiled memory (XLA's
``memory_analysis``: temporaries + arguments + outputs), and for e-prop whether the two gradients agree on
the same network (weights copied across). Imported only after anchors.py has checked the ``bench`` extra.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from snnrl.core import lif
from snnrl.core.eprop import supervised_step_gradients
from snnrl.core.lif_config import LIFConfig
from snnrl.core.pseudo_derivatives import sigmoid_derivative
from snnrl.core.spike import spike


@dataclass(frozen=True)
class Shape:
    """inputs -> neurons LIF, steps time steps, batch sequences (the Open Neuromorphic benchmark's
    512 -> 256 x T 64 x batch 32, kept at that size for the CPU unless asked smaller)."""

    inputs: int = 512
    neurons: int = 256
    steps: int = 64
    batch: int = 32


def timed(function, *args, repeats: int = 5, stateful: bool = False) -> dict:
    """Compile ``function`` (a jitted callable with .lower), run it once, then ``repeats`` timed calls:
    compile seconds, median seconds per call and XLA's compiled memory (bytes). stateful: a brainstate
    jit, whose compiled program takes its states as extra arguments; it is then timed through its own
    call (which reuses the same compiled program)."""
    started = time.perf_counter()
    compiled = function.lower(*args).compile()
    compile_s = time.perf_counter() - started
    memory = compiled.memory_analysis()
    compiled = function if stateful else compiled
    jax.block_until_ready(compiled(*args))
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        jax.block_until_ready(compiled(*args))
        seconds.append(time.perf_counter() - started)
    total = memory.temp_size_in_bytes + memory.argument_size_in_bytes + memory.output_size_in_bytes
    return {
        "compile_s": compile_s,
        "seconds": statistics.median(seconds),
        "temp_bytes": int(memory.temp_size_in_bytes),
        "memory_bytes": int(total - memory.alias_size_in_bytes),
    }


def lif_config(shape: Shape) -> LIFConfig:
    """snnrl's LIF constants at the official values, N = shape.neurons, threshold-distance sigmoid surrogate."""
    return LIFConfig(n_neurons=shape.neurons)


def inputs(shape: Shape, key=jax.random.key(0)) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Input sequence (T, B, inputs) of Bernoulli(0.2) spikes, targets (B, N) of spike counts, and W_in."""
    k1, k2, k3 = jax.random.split(key, 3)
    x = jax.random.bernoulli(k1, 0.2, (shape.steps, shape.batch, shape.inputs)).astype(jnp.float32)
    target = jax.random.uniform(k2, (shape.batch, shape.neurons)) * shape.steps * 0.1
    w_in = jax.random.normal(k3, (shape.neurons, shape.inputs)) * 10.0 / jnp.sqrt(shape.inputs)
    return x, target, w_in


# ---------------------------------------------------------------- BPTT: spyx vs snnrl


def snnrl_bptt(shape: Shape):
    """jit(grad) of the spike-count MSE w.r.t. (W_in, W_rec) through snnrl.core.lif.run (surrogate BPTT,
    reset detached as snnrl's networks do), vmapped over the batch."""
    config = lif_config(shape)

    def loss(weights, x, target):
        w_in, w_rec = weights
        params = lif.LIFParams(w_rec=w_rec, config=config)

        def one(x_b, target_b):
            _, out = lif.run(params, lif.init_state(config), x_b @ w_in.T, detach_reset=True)
            return jnp.mean(jnp.square(out.spikes.sum(0) - target_b))

        return jnp.mean(jax.vmap(one, in_axes=(1, 0))(x, target))

    return jax.jit(jax.grad(loss))


def spyx_bptt(shape: Shape):
    """The same loss through spyx 1.0 (flax.nnx): nnx.Linear(inputs -> N) then spyx.nn.RLIF(N), run with
    spyx.nn.run (a lax.scan), surrogate sigma'(v - threshold) as snnrl's; grad w.r.t. every nnx.Param."""
    import spyx
    from flax import nnx

    class Layer(nnx.Module):
        def __init__(self, rngs):
            self.linear = nnx.Linear(shape.inputs, shape.neurons, use_bias=False, rngs=rngs)
            self.lif = spyx.nn.RLIF(
                (shape.neurons,), beta=0.85, activation=spyx.axn.custom(sigmoid_derivative), rngs=rngs
            )

        def __call__(self, x, v):
            return self.lif(self.linear(x), v)

        def initial_state(self, batch):
            return self.lif.initial_state(batch)

    graph, params = nnx.split(Layer(nnx.Rngs(0)))

    def loss(params, x, target):
        spikes, _ = spyx.nn.run(nnx.merge(graph, params), x)
        return jnp.mean(jnp.square(spikes.sum(0) - target))

    return jax.jit(jax.grad(loss)), params


def bptt_rows(shape: Shape) -> dict:
    """spyx and snnrl forward + backward at ``shape``: timings and memory."""
    x, target, w_in = inputs(shape)
    w_rec = lif.init_recurrent_weights(jax.random.key(1), lif_config(shape))
    rows = {"snnrl": timed(snnrl_bptt(shape), (w_in, w_rec), x, target)}
    grad, params = spyx_bptt(shape)
    rows["spyx"] = timed(grad, params, x, target)
    return rows


# ---------------------------------------------------------------- e-prop: braintrace vs snnrl


def snnrl_eprop(shape: Shape, readout: jax.Array):
    """snnrl's online e-prop (the dreaming paper's form, unfiltered eligibility) of the supervised loss
    1/2 sum_t |y*_t - R s_bar_t|^2: one scan of lif_step (recurrent gradient stopped) and
    supervised_step_gradients, W_rec's gradient summed over time and batch."""
    config = lif_config(shape)
    cost = jnp.ones(readout.shape[0])

    def gradient(w_rec, currents, targets):
        params = lif.LIFParams(w_rec=w_rec, config=config)

        def one(currents_b, targets_b):
            def step(carry, inputs):
                state, total = carry
                current, target = inputs
                state, out = lif.lif_step(params, state, current, detach_recurrent=True)
                error = target - readout @ out.readout_trace
                _, grads = supervised_step_gradients(
                    None,
                    out.pseudo_derivative,
                    out.eligibility,
                    out.readout_trace,
                    readout,
                    error,
                    cost,
                    config.alpha_readout,
                    False,
                )
                return (state, total + grads.w_rec), None

            zeros = jnp.zeros_like(w_rec)
            return jax.lax.scan(step, (lif.init_state(config), zeros), (currents_b, targets_b))[0][1]

        return jax.vmap(one, in_axes=(1, 1))(currents, targets).sum(0)

    return jax.jit(gradient)


def braintrace_eprop(shape: Shape, w_rec: jax.Array, readout: jax.Array):
    """The same network in brainstate, W_rec routed through braintrace.matmul so that braintrace.EProp
    (symmetric feedback, kappa = 0: unfiltered) learns it online; returns (jitted gradient(currents,
    targets) -> dL/dW_rec in snnrl's (post, pre) layout, the learner). The membrane is the hidden state;
    spikes and the recurrent spike filter are short-term states, so their paths carry no trace, as in
    snnrl's e-prop."""
    import brainstate
    import braintrace

    config = lif_config(shape)
    a_m, a_s, a_r = config.alpha_m, config.alpha_s, config.alpha_readout

    class Network(brainstate.nn.Module):
        def __init__(self):
            super().__init__()
            self.w_rec = brainstate.ParamState({"weight": jnp.asarray(w_rec.T)})  # (pre, post)

        def init_state(self, batch_size=None, **kwargs):
            shape_ = (shape.neurons,) if batch_size is None else (batch_size, shape.neurons)
            self.v = brainstate.HiddenState(jnp.full(shape_, config.v_init))
            self.s = brainstate.ShortTermState(jnp.zeros(shape_))
            self.s_hat = brainstate.ShortTermState(jnp.zeros(shape_))
            self.s_bar = brainstate.ShortTermState(jnp.zeros(shape_))

        def restart(self):
            """Game-start values, assigned to the existing states (new states would retrace the jit)."""
            self.v.value = jnp.full_like(self.v.value, config.v_init)
            for state in (self.s, self.s_hat, self.s_bar):
                state.value = jnp.zeros_like(state.value)

        def update(self, current):
            recurrent = braintrace.matmul(self.s_hat.value, self.w_rec.value["weight"])
            v = a_m * self.v.value + (1 - a_m) * (recurrent + current + config.v_rest) + config.w_res * self.s.value
            s = spike(v - config.v_th, config.pseudo_derivative)
            self.v.value, self.s.value = v, s
            self.s_hat.value = a_s * self.s_hat.value + (1 - a_s) * s
            self.s_bar.value = a_r * self.s_bar.value + (1 - a_r) * s
            return self.s_bar.value @ readout.T

    network = Network()
    learner = braintrace.compile(
        network, braintrace.EProp, jnp.zeros((shape.batch, shape.neurons)), batch_size=shape.batch
    )

    @brainstate.transform.jit
    def gradient(currents, targets):
        network.restart()  # each call starts the sequence afresh: network state and eligibility traces
        learner.reset_state(batch_size=shape.batch)
        grads = learner.etrace_grad(
            currents, targets, step_fn=lambda c, y: 0.5 * jnp.sum(jnp.square(y - learner(c))), reduction="sum"
        )
        return next(iter(jax.tree.leaves(grads))).T

    return gradient


def eprop_rows(shape: Shape) -> dict:
    """braintrace and snnrl e-prop gradients of W_rec at ``shape`` (readout to 2 outputs): timings, memory,
    and the agreement of the two gradients on the same weights and inputs."""
    x, target, w_in = inputs(shape)
    currents = 3.0 * x @ w_in.T  # (T, B, N), driven hard enough that the neurons spike
    config = lif_config(shape)
    w_rec = lif.init_recurrent_weights(jax.random.key(1), config)
    readout = jax.random.normal(jax.random.key(2), (2, shape.neurons)) / jnp.sqrt(shape.neurons)
    targets = jax.random.normal(jax.random.key(3), (shape.steps, shape.batch, 2))
    ours = snnrl_eprop(shape, readout)
    rows = {"snnrl": timed(ours, w_rec, currents, targets)}
    theirs = braintrace_eprop(shape, w_rec, readout)
    rows["braintrace"] = timed(theirs, currents, targets, stateful=True)
    g_ours, g_theirs = (jnp.ravel(g) for g in (ours(w_rec, currents, targets), theirs(currents, targets)))
    scale = float(g_theirs @ g_ours / (g_ours @ g_ours))
    rows["agreement"] = {
        "relative_difference": float(jnp.linalg.norm(g_theirs - g_ours) / jnp.linalg.norm(g_ours)),
        "cosine": float(g_theirs @ g_ours / (jnp.linalg.norm(g_theirs) * jnp.linalg.norm(g_ours))),
        "fitted_scale_braintrace_over_snnrl": scale,
        "relative_difference_after_scale": float(
            jnp.linalg.norm(g_theirs - scale * g_ours) / jnp.linalg.norm(scale * g_ours)
        ),
        "one_minus_alpha_readout": 1.0 - config.alpha_readout,
    }
    return rows
