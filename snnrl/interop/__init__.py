"""Exchange with other neuromorphic tools: the recurrent e-prop networks to and from NIR (docs/howto/nir.md).

This layer sits above ``snnrl.models`` (it imports the networks) and below the experiments. The
neuromorphic hidden layers' NIR export and import live with the chip description in
``snnrl.interop.hidden_export`` / ``snnrl.interop.hidden_import``.
"""

from snnrl.interop.nir_export import agent_to_nir, world_model_to_nir
from snnrl.interop.nir_import import agent_from_nir, world_model_from_nir

__all__ = ["agent_to_nir", "world_model_to_nir", "agent_from_nir", "world_model_from_nir"]
