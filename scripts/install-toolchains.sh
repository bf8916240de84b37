#!/bin/sh
# Installs the system tools the backend tests run (C compilers, make and cmake, the AArch64 cross compiler and qemu-user for
# the NEON kernels; Chromium, whose SwiftShader is the WebGPU device Dawn and the browser tests use where the
# machine has no GPU, and the Vulkan loader; iverilog, verilator and yosys, which simulate and synthesize the Verilog
# backend's RTL). Skips what is already there; needs root (or sudo) only when something is missing.
set -e
need=""
{ command -v gcc && command -v cc && [ -f /usr/include/stdio.h ]; } >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v clang >/dev/null 2>&1 || need="$need clang"
command -v make >/dev/null 2>&1 || need="$need make"
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || need="$need gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
command -v qemu-aarch64 >/dev/null 2>&1 || need="$need qemu-user"
{ command -v chromium && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; } >/dev/null 2>&1 || need="$need chromium"
ldconfig -p 2>/dev/null | grep -q "libvulkan.so.1 " || need="$need libvulkan1"
command -v iverilog >/dev/null 2>&1 || need="$need iverilog"
command -v verilator >/dev/null 2>&1 || need="$need verilator"
command -v yosys >/dev/null 2>&1 || need="$need yosys"
[ -z "$need" ] && exit 0
echo "install-toolchains: installing$need" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
