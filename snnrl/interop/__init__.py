"""Exchange with other neuromorphic tools, all NIR in one place (docs/howto/nir.md): the recurrent e-prop
networks to and from NIR (nir_export, nir_import, nir_lif) and the neuromorphic hidden layers
(hidden_export, hidden_import).

This layer sits above ``snnrl.models`` and ``snnrl.hardware`` (it imports the networks and the chip
description) and below the algorithms and experiments.
"""

from snnrl.interop.hidden_export import hidden_layer_to_nir, save_nir
from snnrl.interop.hidden_import import hidden_layer_from_nir
from snnrl.interop.nir_export import agent_to_nir, world_model_to_nir
from snnrl.interop.nir_import import agent_from_nir, world_model_from_nir

__all__ = [
    "agent_to_nir",
    "world_model_to_nir",
    "agent_from_nir",
    "world_model_from_nir",
    "hidden_layer_to_nir",
    "hidden_layer_from_nir",
    "save_nir",
]
