"""A chip and its placement: the chip description (description.py, re-exported here), hidden-layer specs, fixed random
connectivity, the mapper and the JSON export of a mapped network."""

from snnrl.hardware.chip.description import (
    CHIPS,
    DYNAPSE1,
    DYNAPSE1_BIAS_NAMES,
    SYNAPSE_TYPES,
    ChipDescription,
    SynapseType,
    get_chip,
    synapse_type,
)

__all__ = [
    "SynapseType",
    "SYNAPSE_TYPES",
    "synapse_type",
    "DYNAPSE1_BIAS_NAMES",
    "ChipDescription",
    "DYNAPSE1",
    "CHIPS",
    "get_chip",
]
