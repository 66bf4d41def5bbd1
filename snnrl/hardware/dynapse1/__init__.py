"""The DYNAP-SE1 board: the samna loader and configuration, FPGA stimulus, the shared session, its hidden-layer
backend and the bridge from compiled JAX code. Nothing here imports samna until a board is opened."""
