"""The dreaming loop (docs/science.md, "Dreaming and planning"): its config, one game (awake, dream, plan),
imagination, the learner and the hidden layers of its roles (on the chip or simulated)."""
