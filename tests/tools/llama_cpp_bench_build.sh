#!/usr/bin/env bash
# Builds llama.cpp's llama-bench for this machine's CPU (-march=native: AVX-512, VNNI and its
# repacked kernels where the CPU has them: llama.cpp at its best here) from the source the
# oracle keeps (tests/tools/llama_cpp_oracle.sh), once, and prints the path of llama-bench.
#
#   tests/tools/llama_cpp_bench_build.sh [CACHE_DIR]
#
# The build is cached per CPU model, so a shared cache never runs another machine's build.
set -euo pipefail
oracle="$("$(dirname "$0")/llama_cpp_oracle.sh" "$@")"
cpu_id="$( (grep -m1 'model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo) | sha256sum | cut -c1-12)"
out="$oracle/bench-native-$cpu_id"
jobs="$(nproc 2>/dev/null || echo 2)"
if [ ! -x "$out/llama-bench" ]; then
    echo "llama.cpp bench: building llama-bench for this CPU into $out (once; several minutes) ..." >&2
    rm -rf "$out"
    mkdir -p "$out"
    log="$out/build.log"
    cmake -S "$oracle/src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_OPENMP=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
    cmake --build "$out/build" -j "$jobs" --target llama-bench >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
    cp "$out/build/bin/llama-bench" "$out/"
    rm -rf "$out/build"
fi
echo "$out/llama-bench"
