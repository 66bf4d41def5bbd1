"""Learning algorithms built on the models: awake, dream, plan (docs/science.md, "Dreaming and planning")."""
