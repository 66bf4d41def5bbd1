"""Learning algorithms built on the models: the dreaming loop (awake, dream, plan; docs/science.md,
"Dreaming and planning") and the RL family with spiking networks or MLPs: PPO, REINFORCE, the e-prop
actor-critic and deep Q-learning (docs/howto/algorithms.md)."""
