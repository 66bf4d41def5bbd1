"""Agent (policy readout + policy-gradient e-prop) and world model (state/reward readouts + supervised e-prop)."""
