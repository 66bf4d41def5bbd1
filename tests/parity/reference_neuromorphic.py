"""NumPy transcription of DESIGN.md section 1c (neuromorphic list): the host side of one game, for the parity tests.

This is NOT the official code (blakeyy/neuromorphic_dreaming): it restates, in our own names and
structure, what DESIGN 1c says the host computes. The hidden layers are the chip, so their spike
counts per step are inputs given by the caller; actions are forced; environment RAM and rewards are
arrays. One realization, float64, explicit loops over time steps.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class NeuromorphicConstants:
    n_hidden: int = 510
    count_decay: float = 0.6065306597126334  # trace filter: s <- decay s + (1 - decay) * gain * counts
    count_gain: float = 5.0  # policy trace only; the model trace has no gain
    logit_clip: float = 50.0  # logits clipped above only
    policy_lr: float = 0.004
    model_lr_state: float = 0.002
    model_lr_reward: float = 0.0004
    lr_decay: float = 0.99
    lr_decay_every: int = 10000  # lr *= 0.99 when the 1-based step count becomes a multiple of this
    adam_b1: float = 0.9
    adam_b2: float = 0.999
    adam_eps: float = 1e-5
    trace_decay: float = 0.998
    learning_start: int = 51  # rewards count iff game >= 51 (`iteration > 50`)
    jump_threshold: float = 30.0  # raw RAM units
    reward_decay: float = 0.5  # r_learn <- 0.5 r_learn + r


@dataclasses.dataclass
class AdamState:
    m: np.ndarray
    v: np.ndarray
    t: int
    lr: float

    @classmethod
    def fresh(cls, x: np.ndarray, lr: float) -> AdamState:
        return cls(np.zeros_like(x, dtype=np.float64), np.zeros_like(x, dtype=np.float64), 0, float(lr))


def adam_ascent(theta: np.ndarray, g: np.ndarray, st: AdamState, c: NeuromorphicConstants) -> np.ndarray:
    """Adam gradient ASCENT with the step-count lr drop (before that step's update). Updates `st` in place."""
    st.t += 1
    if st.t % c.lr_decay_every == 0:
        st.lr *= c.lr_decay
    st.m = c.adam_b1 * st.m + (1.0 - c.adam_b1) * g
    st.v = c.adam_b2 * st.v + (1.0 - c.adam_b2) * g**2
    m_hat = st.m / (1.0 - c.adam_b1**st.t)
    v_hat = st.v / (1.0 - c.adam_b2**st.t)
    return theta + st.lr * m_hat / (np.sqrt(v_hat) + c.adam_eps)


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - np.max(x))
    return z / np.sum(z)


def _stack(rows: list, tail: tuple[int, ...]) -> np.ndarray:
    return np.array(rows, dtype=np.float64).reshape((len(rows),) + tail)


class NeuromorphicReference:
    """Policy readout (A, H) and, when dreaming, model readouts (D, H) and (1, H), all trained on the host."""

    def __init__(
        self,
        policy_readout: np.ndarray,
        model_readout_state: np.ndarray,
        model_readout_reward: np.ndarray,
        dreaming: bool,
        policy_lr: float = 0.004,
        constants: NeuromorphicConstants | None = None,
    ) -> None:
        self.c = constants or NeuromorphicConstants()
        self.policy_readout = np.array(policy_readout, dtype=np.float64)
        self.model_readout_state = np.array(model_readout_state, dtype=np.float64)
        self.model_readout_reward = np.array(model_readout_reward, dtype=np.float64)
        self.dreaming = bool(dreaming)
        self.n_actions, self.n_hidden = self.policy_readout.shape
        self.d = self.model_readout_state.shape[0]
        # One policy Adam per run (awake and dream updates alike); one Adam per model readout.
        self.adam = {
            "policy": AdamState.fresh(self.policy_readout, policy_lr),
            "model_state": AdamState.fresh(self.model_readout_state, self.c.model_lr_state),
            "model_reward": AdamState.fresh(self.model_readout_reward, self.c.model_lr_reward),
        }
        self.trace = np.zeros_like(self.policy_readout)  # 0.998-decaying sum, reset after every update
        self.aggregate = np.zeros_like(self.policy_readout)
        self.s_pi = np.zeros(self.n_hidden)
        self.s_m = np.zeros(self.n_hidden)

    # -- policy ---------------------------------------------------------------------------------
    def policy_step(self, counts: np.ndarray) -> np.ndarray:
        """s_pi <- a s_pi + (1-a) 5 counts; logits = R s_pi clipped above at 50; returns pi (A,)."""
        a = self.c.count_decay
        self.s_pi = a * self.s_pi + (1.0 - a) * np.asarray(counts, np.float64) * self.c.count_gain
        logits = np.minimum(self.policy_readout @ self.s_pi, self.c.logit_clip)
        return softmax(logits)

    def policy_accumulate(self, action: int, pi: np.ndarray, r_masked: float) -> None:
        """G = (onehot(a) - pi) x s_pi; F <- 0.998 F + G; aggregate += r_masked F."""
        d = np.eye(self.n_actions)[action] - pi
        self.trace = self.c.trace_decay * self.trace + np.outer(d, self.s_pi)
        self.aggregate = self.aggregate + r_masked * self.trace

    def policy_update(self) -> None:
        """One Adam ascent step; then the aggregate AND the trace are reset to 0."""
        self.policy_readout = adam_ascent(self.policy_readout, self.aggregate, self.adam["policy"], self.c)
        self.aggregate = np.zeros_like(self.aggregate)
        self.trace = np.zeros_like(self.trace)

    # -- world model (dreaming arm only) --------------------------------------------------------
    def model_step(self, counts: np.ndarray) -> tuple[np.ndarray, float]:
        """s_m <- a s_m + (1-a) counts (no gain); returns (pred_delta (D,), pred_r)."""
        a = self.c.count_decay
        self.s_m = a * self.s_m + (1.0 - a) * np.asarray(counts, np.float64)
        return self.model_readout_state @ self.s_m, float((self.model_readout_reward @ self.s_m)[0])

    def model_learn(self, pred_delta: np.ndarray, pred_r: float, target_delta: np.ndarray, r_target: float) -> None:
        """One Adam step per readout: gradients err_s x s_m and [err_r] x s_m."""
        g_state = np.outer(target_delta - pred_delta, self.s_m)
        g_reward = np.outer(np.array([r_target - pred_r]), self.s_m)
        self.model_readout_state = adam_ascent(self.model_readout_state, g_state, self.adam["model_state"], self.c)
        self.model_readout_reward = adam_ascent(self.model_readout_reward, g_reward, self.adam["model_reward"], self.c)

    # -- one game -------------------------------------------------------------------------------
    def play_game(
        self,
        game: int,
        ram: np.ndarray,
        rewards: np.ndarray,
        awake_actions: np.ndarray,
        agent_counts: np.ndarray,
        model_counts: np.ndarray | None = None,
        dream_actions: np.ndarray | None = None,
        dream_agent_counts: np.ndarray | None = None,
        dream_model_counts: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """ram (1+T, D) raw (ram[0] = start state after 1+17 NOOPs), rewards (T,), awake_actions (T,),
        agent_counts / model_counts (T, H), dream_actions (S,), dream_agent_counts / dream_model_counts (S, H).

        Model keys (awake_model_*, dream_*) are empty (0, ...) arrays when not dreaming.
        """
        c, h, d, a = self.c, self.n_hidden, self.d, self.n_actions
        ram, rewards = np.asarray(ram, np.float64), np.asarray(rewards, np.float64)
        t_awake = len(awake_actions)
        assert ram.shape == (1 + t_awake, d) and rewards.shape == (t_awake,)
        gate = 1.0 if game >= c.learning_start else 0.0
        rec: dict[str, list] = {
            k: []
            for k in (
                "awake_probabilities",
                "awake_policy_trace",
                "awake_model_delta",
                "awake_model_reward",
                "dream_probabilities",
                "dream_model_delta",
                "dream_model_reward",
                "dream_ram",
            )
        }
        # Awake: both readout traces start at 0; one policy step (and, dreaming, one model step) per env step.
        self.s_pi, self.s_m = np.zeros(h), np.zeros(h)
        r_learn = 0.0
        for k in range(t_awake):
            action = int(awake_actions[k])
            pi = self.policy_step(agent_counts[k])
            rec["awake_probabilities"].append(pi)
            rec["awake_policy_trace"].append(self.s_pi.copy())
            r = rewards[k]
            self.policy_accumulate(action, pi, gate * r)
            if self.dreaming:  # the baseline arm neither runs nor trains a world model
                pred_delta, pred_r = self.model_step(model_counts[k])
                target = ram[k + 1] - ram[k]
                target[np.abs(target) > c.jump_threshold] = 0.0
                r_learn = c.reward_decay * r_learn + r
                self.model_learn(pred_delta, pred_r, target, r_learn)
                rec["awake_model_delta"].append(pred_delta)
                rec["awake_model_reward"].append(pred_r)
        self.policy_update()  # every game, game 0 included
        # Dream: traces reset, start from the real post-reset state, model not warmed up, no model learning.
        if self.dreaming:
            assert dream_actions is not None and dream_agent_counts is not None and dream_model_counts is not None
            self.s_pi, self.s_m = np.zeros(h), np.zeros(h)
            y = ram[0].copy()
            rec["dream_ram"].append(y.copy())
            for j in range(len(dream_actions)):
                action = int(dream_actions[j])
                pi = self.policy_step(dream_agent_counts[j])
                pred_delta, pred_r = self.model_step(dream_model_counts[j])
                y = y + pred_delta  # raw units, no clipping
                self.policy_accumulate(action, pi, gate * pred_r)
                for key, val in (
                    ("dream_probabilities", pi),
                    ("dream_model_delta", pred_delta),
                    ("dream_model_reward", pred_r),
                    ("dream_ram", y.copy()),
                ):
                    rec[key].append(val)
            self.policy_update()
        tails = {
            "awake_probabilities": (a,),
            "awake_policy_trace": (h,),
            "awake_model_delta": (d,),
            "awake_model_reward": (),
            "dream_probabilities": (a,),
            "dream_model_delta": (d,),
            "dream_model_reward": (),
            "dream_ram": (d,),
        }
        return {k: _stack(v, tails[k]) for k, v in rec.items()}
