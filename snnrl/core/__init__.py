"""The spiking core: LIF network step, surrogate spike and pseudo-derivatives, e-prop rules with their
eligibility traces, low-pass filters, optimizers, population (place-cell) encoders and input checks. The
equations: docs/science.md."""
