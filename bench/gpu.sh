#!/usr/bin/env bash
# Issue 13, item 5: one prepared run for a machine with a GPU (or without one).
#
#   bench/gpu.sh            # from the repository root or anywhere; prints the figures
#   ROUNDS=3 bench/gpu.sh   # fewer rounds
#
# 1. installs what it needs: node_modules via `npm ci` (CUDA EP binaries skipped: the WebGPU EP is
#    what the app uses) when it is missing; PyTorch is used only if it is already importable;
# 2. picks the Vulkan adapter onnxruntime's WebGPU EP (Dawn) will use: a GPU when nvidia-smi lists
#    one and its Vulkan ICD is installed, or vulkaninfo reports a discrete/integrated GPU; otherwise
#    Chromium's SwiftShader ICD, and every line then says NOT GPU TIMES (SwiftShader);
# 3. runs bench/gpu.bench.ts: AST-base (random weights) and the bundled model, r = 0 / 64 / 100,
#    batch 1 and 32, float32 (fp16 says why it is not built), then PyTorch eager on the same GPU.
#    On SwiftShader (very slow) it times the bundled model at batch 1, one round, and estimates AST-base.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/onnxruntime-node ]; then
  echo "== node_modules missing: ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci"
  ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm ci --no-audit --no-fund
fi

# The first python3 that imports torch (Debian's python3-torch lives under /usr/bin/python3, a pip
# install wherever python3 is); FASTAST_BENCH_PYTHON overrides.
PYTHON="${FASTAST_BENCH_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for p in /usr/bin/python3 "$(command -v python3 || true)"; do
    if [ -x "$p" ] && "$p" -c 'import torch' 2>/dev/null; then PYTHON="$p"; break; fi
  done
  PYTHON="${PYTHON:-/usr/bin/python3}"
fi
if "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "== PyTorch: $("$PYTHON" -c 'import torch; print(torch.__version__, "cuda" if torch.cuda.is_available() else "no cuda")')"
else
  echo "== PyTorch: not importable by $PYTHON (not installed here; the PyTorch rows are skipped, nothing else is affected)"
fi

SWIFTSHADER=/usr/lib/chromium/vk_swiftshader_icd.json
ICD=""
ADAPTER=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  NAME="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n1)"
  for f in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json /usr/share/vulkan/icd.d/nvidia_layers.json; do
    if [ -f "$f" ] && grep -q '"library_path"' "$f"; then ICD="$f"; break; fi
  done
  if [ -n "$ICD" ]; then
    ADAPTER="$NAME (Vulkan ICD $ICD)"
  else
    echo "== nvidia-smi lists $NAME, but no NVIDIA Vulkan ICD is installed (a container needs NVIDIA_DRIVER_CAPABILITIES to include 'graphics'): WebGPU cannot reach it"
  fi
fi
if [ -z "$ADAPTER" ] && command -v vulkaninfo >/dev/null 2>&1; then
  GPU_LINE="$(vulkaninfo --summary 2>/dev/null | grep -E 'deviceType += PHYSICAL_DEVICE_TYPE_(DISCRETE|INTEGRATED)_GPU' -B4 | grep -m1 deviceName || true)"
  if [ -n "$GPU_LINE" ]; then ADAPTER="$(echo "$GPU_LINE" | sed 's/.*= *//') (Vulkan, system ICDs)"; fi
fi

ROUNDS="${ROUNDS:-5}"
if [ -n "$ADAPTER" ]; then
  [ -n "$ICD" ] && export VK_ICD_FILENAMES="$ICD"
  echo "== GPU adapter: $ADAPTER"
  exec npx tsx bench/gpu.bench.ts --adapter "$ADAPTER" --rounds "$ROUNDS" --python "$PYTHON" --batches-base 1,32 --batches-tiny 1,32
fi

if [ ! -f "$SWIFTSHADER" ]; then
  echo "== no GPU adapter and no SwiftShader ($SWIFTSHADER; apt-get install chromium libvulkan1): nothing to time" >&2
  exit 1
fi
echo "== NOT GPU TIMES (SwiftShader): no GPU adapter found; running the same timings on Chromium's software Vulkan ICD"
echo "== SwiftShader is a CPU rasteriser: the bundled model at batch 1, ${SWIFTSHADER_ROUNDS:-1} round, no warm-up; AST-base only estimated (SWIFTSHADER_BASE=1 runs it at batch 1, one round)"
export VK_ICD_FILENAMES="$SWIFTSHADER"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
if [ "${SWIFTSHADER_BASE:-0}" = 1 ]; then
  exec npx tsx bench/gpu.bench.ts --adapter "SwiftShader (software Vulkan)" --software --python "$PYTHON" \
    --models tiny,base --batches-tiny 1 --batches-base 1 --rounds "${SWIFTSHADER_ROUNDS:-1}" --warmup 0
fi
exec npx tsx bench/gpu.bench.ts --adapter "SwiftShader (software Vulkan)" --software --python "$PYTHON" \
  --models tiny --batches-tiny 1 --rounds "${SWIFTSHADER_ROUNDS:-1}" --warmup 0 --estimate-base
