#!/bin/sh
# Builds the two peer runtimes bench:c can compare against, from their public sources, for this machine
# (-march=native): llama.cpp's llama-bench/llama-quantize (TQ2_0 kernels) and bitnet.cpp's (I2_S kernels).
#
#   sh scripts/peers/build-peers.sh LLAMA_CPP_SRC BITNET_SRC OUT_DIR
#
# LLAMA_CPP_SRC: a checkout of github.com/ggml-org/llama.cpp; BITNET_SRC: a checkout of github.com/microsoft/BitNet
# with its 3rdparty/llama.cpp submodule checked out. The binaries land in OUT_DIR/{llama.cpp,bitnet.cpp}/bin.
# bitnet.cpp builds with clang and OpenMP (Debian: clang libomp-14-dev, installed here when missing).
set -eu
[ $# -eq 3 ] || { echo "usage: build-peers.sh LLAMA_CPP_SRC BITNET_SRC OUT_DIR" >&2; exit 2; }
llama=$(realpath "$1"); bitnet=$(realpath "$2"); out=$(realpath -m "$3")
jobs=$(nproc)
need=""
for p in cmake clang libomp-14-dev; do dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
  [ "$(id -u)" = 0 ] || { echo "build-peers: needs$need (run as root or install them)" >&2; exit 1; }
  apt-get update -qq && apt-get install -y --no-install-recommends $need
fi
mkdir -p "$out"
common="-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF"
cmake -S "$llama" -B "$out/llama.cpp" $common >"$out/llama-cmake.log" 2>&1 || { cat "$out/llama-cmake.log" >&2; exit 1; }
cmake --build "$out/llama.cpp" -j "$jobs" --target llama-bench llama-quantize
# bitnet.cpp's I2_S path (BITNET_X86_TL2 off: the lookup-table kernels need per-model generated headers). Its ggml
# lists include/bitnet-lut-kernels.h as a source even then; setup_env.py generates one per model, and with TL2 off
# its content is compiled out, so a preset one serves.
[ -f "$bitnet/include/bitnet-lut-kernels.h" ] || cp "$bitnet/preset_kernels/bitnet_b1_58-large/bitnet-lut-kernels-tl2.h" "$bitnet/include/bitnet-lut-kernels.h"
cmake -S "$bitnet" -B "$out/bitnet.cpp" $common -DBITNET_X86_TL2=OFF >"$out/bitnet-cmake.log" 2>&1 || { cat "$out/bitnet-cmake.log" >&2; exit 1; }
cmake --build "$out/bitnet.cpp" -j "$jobs" --target llama-bench llama-quantize
echo "built: $out/llama.cpp/bin/llama-bench $out/bitnet.cpp/bin/llama-bench"
