"""snnrl.hardware loads its names on first use (so the samna check imports no JAX): every exported name
resolves to the object of the module that defines it, and a submodule is reachable as an attribute."""

import importlib

import snnrl.hardware as hardware


def test_every_exported_name_resolves_to_its_module_s_object():
    for name in hardware.__all__:
        module = importlib.import_module(hardware._EXPORTS[name])
        assert getattr(hardware, name) is getattr(module, name), name
    assert hardware.backend is importlib.import_module("snnrl.hardware.backend")
    assert set(hardware.__all__) <= set(dir(hardware))
