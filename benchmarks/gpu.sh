#!/usr/bin/env bash
# The GPU measurement of issue 28 in one prepared command (benchmarks/gpu_bench.py does the work; its
# docstring lists what it records). Finishes within 8 minutes on one H100 / H200: rows that would start
# after --budget-s (420 s by default) are recorded as skipped. Writes benchmarks/results/gpu_<device>.json.
#
#   bash benchmarks/gpu.sh                 # on a GPU machine; stops (exit 3) naming the device where there is none
#   bash benchmarks/gpu.sh --cpu-smoke     # every part at a tiny size on the CPU (the test suite runs this)
#
# The lent device machine has no package index but has jax (CUDA), flax, optax, numpy and scipy
# (/work/.library/device/KINDS.md). snnrl itself travels with the working tree (PYTHONPATH=repo root);
# snnrl's pure-Python dependencies missing there travel as wheels (about 1.2 MB; `pip wheel` also
# builds any that is published only as a source distribution). Once, on the development machine, in the
# repository root (.whl/ is git-ignored):
#   python3 -m pip wheel --no-deps -w .whl gymnax==1.0.1 gymnasium==1.3.0 farama-notifications \
#       omegaconf==2.4.0 dacite nir flashbax tensorboardX
# (six, typer, rich, h5py, seaborn and matplotlib are there already; checked against KINDS.md, 2026-12)
# then call the device with carry=[".whl"] and the command `bash benchmarks/gpu.sh`: this script installs
# whatever lies in .whl into /tmp/site before it starts (nothing is fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}" PYTHONUNBUFFERED=1
PYTHON="${PYTHON:-$(command -v python3)}"
[ -x .venv/bin/python ] && [ -z "${SNNRL_GPU_SYSTEM_PYTHON:-}" ] && PYTHON=.venv/bin/python
if [ "${1:-}" != "--cpu-smoke" ] && [ -z "${SNNRL_GPU_SMOKE:-}" ]; then
    "$PYTHON" -c "import jax; print('jax', jax.__version__, 'devices', jax.devices())" || true
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
fi
exec timeout 480 "$PYTHON" benchmarks/gpu_bench.py "$@"
