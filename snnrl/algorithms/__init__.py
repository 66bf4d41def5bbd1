"""Learning algorithms built on the models: awake, dream, plan (DESIGN 1a)."""
