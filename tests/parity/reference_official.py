"""NumPy transcription of DESIGN.md section 1c, items 1-10 (the dreaming code's game), for the parity tests.

This is NOT the official code (cristianocapone/biodreaming): it restates, in our own names and
structure, what DESIGN 1c says that code computes. One realization, float64, explicit loops over
time steps, actions forced by the caller, environment RAM and rewards given as arrays. Network
equations follow DESIGN 1a in the official order; each block cites the DESIGN 1c item it implements.
"""

from __future__ import annotations

import dataclasses

import numpy as np

NOOP = 0


@dataclasses.dataclass(frozen=True)
class OfficialConstants:
    n_neurons: int = 500
    dt: float = 1.0
    tau_m: float = 6.0
    tau_s: float = 4.0
    tau_readout_agent: float = 1.0
    tau_readout_model: float = 2.0
    v_rest: float = -8.0  # the constant drive h
    w_res: float = -100.0  # added per spike, without the (1 - a_m) factor
    v_init: float = -4.0
    beta: float = 5.0  # policy = softmax(beta * R @ s_bar)
    trace_decay: float = 0.998
    agent_lr: float = 1e-3  # recurrent and readout
    readout_plain_step: float = 1e-3
    model_lr_recurrent: float = 0.004
    model_lr_state: float = 0.002
    model_lr_reward: float = 0.0004
    reward_weight: float = 0.5  # weight of err_r in the model's recurrent learning signal only
    reward_decay: float = 0.5  # r_learn <- 0.5 r_learn + r
    jump_threshold: float = 30.0  # raw RAM units
    action_scale: float = 5.0
    ram_scale: float = 255.0
    learning_start: int = 51  # agent rewards count iff game >= 51 (`iteration > 50`)
    first_awake_update_game: int = 1
    adam_b1: float = 0.9
    adam_b2: float = 0.999
    adam_eps: float = 1e-5
    warmup_steps: int = 20  # W: NOOP steps after the first NOOP (ram has 1 + W + T rows)
    dream_steps: int = 50  # S


@dataclasses.dataclass
class AdamState:
    m: np.ndarray
    v: np.ndarray
    t: int = 0

    @classmethod
    def zeros_like(cls, x: np.ndarray) -> AdamState:
        return cls(np.zeros_like(x, dtype=np.float64), np.zeros_like(x, dtype=np.float64), 0)


def adam_ascent(theta: np.ndarray, g: np.ndarray, st: AdamState, lr: float, c: OfficialConstants) -> np.ndarray:
    """Item 8: Adam gradient ASCENT, no lr decay. Updates `st` in place, returns the new theta."""
    st.t += 1
    st.m = c.adam_b1 * st.m + (1.0 - c.adam_b1) * g
    st.v = c.adam_b2 * st.v + (1.0 - c.adam_b2) * g**2
    m_hat = st.m / (1.0 - c.adam_b1**st.t)
    v_hat = st.v / (1.0 - c.adam_b2**st.t)
    return theta + lr * m_hat / (np.sqrt(v_hat) + c.adam_eps)


def sigmoid(x: np.ndarray) -> np.ndarray:
    z = np.exp(-np.abs(x))
    return np.where(x > 0, 1.0 / (1.0 + z), z / (1.0 + z))


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - np.max(x))
    return z / np.sum(z)


def jump_filtered_delta(new: np.ndarray, old: np.ndarray, c: OfficialConstants) -> np.ndarray:
    """Item 4: change of the raw RAM values, jumps larger than the threshold set to 0."""
    delta = new - old
    delta[np.abs(delta) > c.jump_threshold] = 0.0
    return delta


@dataclasses.dataclass
class NetState:
    """One network's state, all (N,): membrane v, spikes s, filtered spikes s_hat, readout filter s_bar,
    eligibility e."""

    v: np.ndarray
    s: np.ndarray
    s_hat: np.ndarray
    s_bar: np.ndarray
    e: np.ndarray

    @classmethod
    def reset(cls, n: int, c: OfficialConstants) -> NetState:
        return cls(np.full(n, c.v_init), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))


def net_step(
    st: NetState, w_rec: np.ndarray, current: np.ndarray, tau_readout: float, c: OfficialConstants
) -> np.ndarray:
    """DESIGN 1a in the official order; updates `st` in place and returns the pseudo-derivative p (N,)."""
    a_m, a_s, a_r = (np.exp(-c.dt / tau) for tau in (c.tau_m, c.tau_s, tau_readout))
    st.s_hat = a_s * st.s_hat + (1.0 - a_s) * st.s
    st.v = a_m * st.v + (1.0 - a_m) * (w_rec @ st.s_hat + current + c.v_rest) + c.w_res * st.s
    st.e = a_m * st.e + (1.0 - a_m) * st.s_hat
    st.s = (st.v > 0.0).astype(np.float64)
    sig = sigmoid(st.v)
    st.s_bar = a_r * st.s_bar + (1.0 - a_r) * st.s
    return sig * (1.0 - sig)


def _stack(rows: list, tail: tuple[int, ...]) -> np.ndarray:
    return np.array(rows, dtype=np.float64).reshape((len(rows),) + tail)


class OfficialReference:
    """Agent (N, D inputs, A actions) and world model (N, D state, A actions) of the dreaming code."""

    @classmethod
    def from_learner(cls, learner, constants: OfficialConstants | None = None) -> OfficialReference:
        """The reference holding a snnrl learner's initial weights (one realization)."""
        agent, model = learner.agent, learner.world_model
        return cls(
            agent.w_in,
            agent.weights.w_rec,
            agent.weights.readout,
            model.w_in_state,
            model.w_in_action,
            model.weights.w_rec,
            model.weights.readout_state,
            model.weights.readout_reward,
            constants,
        )

    def __init__(
        self,
        agent_w_in,
        agent_w_rec,
        agent_readout,
        model_w_in_state,
        model_w_in_action,
        model_w_rec,
        model_readout_state,
        model_readout_reward,
        constants: OfficialConstants | None = None,
        adam: dict[str, AdamState] | None = None,
    ) -> None:
        f = lambda x: np.array(x, dtype=np.float64)  # noqa: E731 (copies)
        self.agent_w_in, self.agent_w_rec, self.agent_readout = f(agent_w_in), f(agent_w_rec), f(agent_readout)
        self.model_w_in_state, self.model_w_in_action = f(model_w_in_state), f(model_w_in_action)
        self.model_w_rec = f(model_w_rec)
        self.model_readout_state, self.model_readout_reward = f(model_readout_state), f(model_readout_reward)
        self.c = constants or OfficialConstants()
        self.n, self.d = self.agent_w_in.shape
        self.n_actions = self.agent_readout.shape[0]
        groups = {
            "agent_rec": self.agent_w_rec,
            "agent_out": self.agent_readout,
            "model_rec": self.model_w_rec,
            "model_state": self.model_readout_state,
            "model_reward": self.model_readout_reward,
        }
        self.adam = (
            {k: AdamState.zeros_like(w) for k, w in groups.items()}
            if adam is None
            else {k: AdamState(f(st.m), f(st.v), int(st.t)) for k, st in adam.items()}
        )
        # Item 6: the accumulated updates are cleared only by an agent update (they persist across games).
        self.agg_rec, self.agg_out = np.zeros_like(self.agent_w_rec), np.zeros_like(self.agent_readout)
        self.trace_rec, self.trace_out = np.zeros_like(self.agent_w_rec), np.zeros_like(self.agent_readout)
        self.agent_net, self.model_net = NetState.reset(self.n, self.c), NetState.reset(self.n, self.c)

    # -- one step of each network ------------------------------------------------------------
    def agent_step(self, ram_row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Item 3: agent on RAM/255; returns (pi (A,), p (N,))."""
        p = net_step(
            self.agent_net,
            self.agent_w_rec,
            self.agent_w_in @ (ram_row / self.c.ram_scale),
            self.c.tau_readout_agent,
            self.c,
        )
        return softmax(self.c.beta * (self.agent_readout @ self.agent_net.s_bar)), p

    def model_step(self, action: int, ram_row: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """Item 3: model on (5 onehot(a), RAM/255); returns (pred_delta (D,), pred_r, p (N,))."""
        onehot = np.eye(self.n_actions)[action]
        current = self.model_w_in_action @ (self.c.action_scale * onehot) + self.model_w_in_state @ (
            ram_row / self.c.ram_scale
        )
        p = net_step(self.model_net, self.model_w_rec, current, self.c.tau_readout_model, self.c)
        s_bar = self.model_net.s_bar
        return self.model_readout_state @ s_bar, float((self.model_readout_reward @ s_bar)[0]), p

    # -- learning ------------------------------------------------------------------------------
    def agent_accumulate(self, action: int, pi: np.ndarray, p: np.ndarray, r_masked: float) -> None:
        """Items 3 and 7: step gradients (no beta), 0.998 traces, aggregates += r_masked * traces."""
        d = np.eye(self.n_actions)[action] - pi
        self.trace_out = self.c.trace_decay * self.trace_out + np.outer(d, self.agent_net.s_bar)
        g_rec = np.outer((self.agent_readout.T @ d) * p, self.agent_net.e)
        self.trace_rec = self.c.trace_decay * self.trace_rec + g_rec
        self.agg_out = self.agg_out + r_masked * self.trace_out
        self.agg_rec = self.agg_rec + r_masked * self.trace_rec

    def agent_update(self) -> None:
        """Item 6: Adam on J (diagonal then zeroed) and R (plus a plain step); aggregates cleared, traces kept."""
        c = self.c
        self.agent_w_rec = adam_ascent(self.agent_w_rec, self.agg_rec, self.adam["agent_rec"], c.agent_lr, c)
        np.fill_diagonal(self.agent_w_rec, 0.0)
        self.agent_readout = (
            adam_ascent(self.agent_readout, self.agg_out, self.adam["agent_out"], c.agent_lr, c)
            + c.readout_plain_step * self.agg_out
        )
        self.agg_rec, self.agg_out = np.zeros_like(self.agg_rec), np.zeros_like(self.agg_out)

    def model_learn(
        self, pred_delta: np.ndarray, pred_r: float, target_delta: np.ndarray, r_target: float, p: np.ndarray
    ) -> None:
        """Item 5: one Adam step per group every step; the model's diagonal is never zeroed."""
        c, s_bar, adam = self.c, self.model_net.s_bar, self.adam
        err_s, err_r = target_delta - pred_delta, np.array([r_target - pred_r])
        signal = self.model_readout_state.T @ err_s + c.reward_weight * (self.model_readout_reward.T @ err_r)
        g_rec = np.outer(signal * p, self.model_net.e)
        g_state, g_reward = np.outer(err_s, s_bar), np.outer(err_r, s_bar)
        self.model_w_rec = adam_ascent(self.model_w_rec, g_rec, adam["model_rec"], c.model_lr_recurrent, c)
        self.model_readout_state = adam_ascent(
            self.model_readout_state, g_state, adam["model_state"], c.model_lr_state, c
        )
        self.model_readout_reward = adam_ascent(
            self.model_readout_reward, g_reward, adam["model_reward"], c.model_lr_reward, c
        )

    # -- one game ------------------------------------------------------------------------------
    def play_game(
        self,
        game: int,
        ram: np.ndarray,
        rewards: np.ndarray,
        awake_actions: np.ndarray,
        dream: bool = False,
        dream_actions: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """ram (1+W+T, D) raw, rewards (W+T,), awake_actions (T,), dream_actions (S,); returns the record."""
        c, n, d, a = self.c, self.n, self.d, self.n_actions
        ram, rewards = np.asarray(ram, np.float64), np.asarray(rewards, np.float64)
        w, t_awake = c.warmup_steps, len(awake_actions)
        assert ram.shape == (1 + w + t_awake, d) and rewards.shape == (w + t_awake,)
        gate = 1.0 if game >= c.learning_start else 0.0
        rec: dict[str, list] = {
            k: []
            for k in (
                "warmup_model_spikes",
                "warmup_model_delta",
                "warmup_model_reward",
                "awake_agent_spikes",
                "awake_probabilities",
                "awake_model_spikes",
                "awake_model_delta",
                "awake_model_reward",
                "dream_warmup_model_spikes",
                "dream_agent_spikes",
                "dream_probabilities",
                "dream_model_spikes",
                "dream_model_delta",
                "dream_model_reward",
                "dream_ram",
            )
        }
        # Item 1: reset both networks (e included) and the agent's policy-gradient traces.
        self.agent_net, self.model_net = NetState.reset(n, c), NetState.reset(n, c)
        self.trace_rec, self.trace_out = np.zeros_like(self.trace_rec), np.zeros_like(self.trace_out)
        # Item 2: NOOP warm-up, the model steps and learns (raw reward target); the agent does not step.
        for k in range(w):
            pred_delta, pred_r, p = self.model_step(NOOP, ram[k])
            self.model_learn(pred_delta, pred_r, jump_filtered_delta(ram[k + 1], ram[k], c), rewards[k], p)
            rec["warmup_model_spikes"].append(self.model_net.s.copy())
            rec["warmup_model_delta"].append(pred_delta)
            rec["warmup_model_reward"].append(pred_r)
        # Item 3: awake steps; the agent accumulates masked rewards, the model learns every step (items 4, 5).
        r_learn = 0.0
        for k in range(t_awake):
            x, action = ram[w + k], int(awake_actions[k])
            pi, p_agent = self.agent_step(x)
            pred_delta, pred_r, p_model = self.model_step(action, x)
            r = rewards[w + k]
            self.agent_accumulate(action, pi, p_agent, gate * r)
            r_learn = c.reward_decay * r_learn + r
            self.model_learn(pred_delta, pred_r, jump_filtered_delta(ram[w + k + 1], x, c), r_learn, p_model)
            for key, val in (
                ("awake_agent_spikes", self.agent_net.s.copy()),
                ("awake_probabilities", pi),
                ("awake_model_spikes", self.model_net.s.copy()),
                ("awake_model_delta", pred_delta),
                ("awake_model_reward", pred_r),
            ):
                rec[key].append(val)
        # Item 6: end-of-game agent update from the second game on.
        if game >= c.first_awake_update_game:
            self.agent_update()
        # Item 7: dream (item 10: skipped in the baseline).
        if dream:
            assert dream_actions is not None and len(dream_actions) == c.dream_steps
            self.agent_net, self.model_net = NetState.reset(n, c), NetState.reset(n, c)
            for k in range(w):  # model warm-up on the real NOOP RAM, no learning
                self.model_step(NOOP, ram[k])
                rec["dream_warmup_model_spikes"].append(self.model_net.s.copy())
            y = ram[w].copy()
            rec["dream_ram"].append(y.copy())
            for j in range(c.dream_steps):
                self.agent_net.e[:] = 0.0  # eligibility of both networks zeroed before every dream step
                self.model_net.e[:] = 0.0
                action = int(dream_actions[j])
                pi, p_agent = self.agent_step(y)
                pred_delta, pred_r, _ = self.model_step(action, y)
                y = y + pred_delta  # raw units, no clipping
                self.agent_accumulate(action, pi, p_agent, gate * pred_r)  # traces continue from the awake game
                for key, val in (
                    ("dream_agent_spikes", self.agent_net.s.copy()),
                    ("dream_probabilities", pi),
                    ("dream_model_spikes", self.model_net.s.copy()),
                    ("dream_model_delta", pred_delta),
                    ("dream_model_reward", pred_r),
                    ("dream_ram", y.copy()),
                ):
                    rec[key].append(val)
            self.agent_update()  # every game, game 0 included
        tails = {"spikes": (n,), "probabilities": (a,), "delta": (d,), "reward": (), "ram": (d,)}
        return {k: _stack(v, tails[k.rsplit("_", 1)[1]]) for k, v in rec.items()}
