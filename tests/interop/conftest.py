"""The hardware tests' fixtures, for the hidden layers' NIR round trips."""

from tests.hardware.conftest import agent_spec  # noqa: F401  (a fixture)
