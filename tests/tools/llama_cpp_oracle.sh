#!/usr/bin/env bash
# Builds llama.cpp's CPU tools once, from the source that the npm package node-llama-cpp ships
# (llama/gitRelease.bundle), into a cache folder outside the repository, and prints the folder.
#
#   tests/tools/llama_cpp_oracle.sh [CACHE_DIR]      (default: $XDG_CACHE_HOME/hearth-llama-cpp)
#
# The folder it prints holds bin/ (llama-perplexity, llama-quantize, llama-tokenize, llama-imatrix), gguf-py/
# (llama.cpp's GGUF writer, for PYTHONPATH) and TAG (the llama.cpp release). A build for the
# same release is reused. Exit code 77 when the npm registry cannot be reached (tests skip).
set -euo pipefail
package="node-llama-cpp@3.22.1"  # pinned: the oracle changes only when we decide it does
cache="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth-llama-cpp}"
jobs="$(nproc 2>/dev/null || echo 2)"
mkdir -p "$cache"
log="$cache/setup.log"

npm_dir="$cache/npm-${package##*@}"
if [ ! -f "$npm_dir/node_modules/node-llama-cpp/llama/gitRelease.bundle" ]; then
    echo "llama.cpp oracle: installing $package from npm (its llama.cpp source bundle) ..." >&2
    if ! npm install --prefix "$npm_dir" --ignore-scripts --no-audit --no-fund --silent "$package" >"$log" 2>&1; then
        cat "$log" >&2
        echo "llama.cpp oracle: npm could not install $package (is the registry reachable?)" >&2
        exit 77
    fi
fi
llama_dir="$npm_dir/node_modules/node-llama-cpp/llama"
tag="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tag"])' "$llama_dir/llama.cpp.info.json")"
bundle_id="$(sha256sum "$llama_dir/gitRelease.bundle" | cut -c1-12)"
out="$cache/$tag-$bundle_id"
tools=(llama-perplexity llama-quantize llama-tokenize llama-imatrix)

ready=1
[ -f "$out/READY" ] || ready=0
for tool in "${tools[@]}"; do [ -x "$out/bin/$tool" ] || ready=0; done  # a cache from before a tool was added
if [ $ready = 0 ]; then
    echo "llama.cpp oracle: building llama.cpp $tag's CPU tools into $out (once; several minutes) ..." >&2
    rm -rf "$out"
    mkdir -p "$out/bin"
    git clone -q "$llama_dir/gitRelease.bundle" "$out/src" 2>>"$log"
    # The AVX2 + FMA + F16C level of llama.cpp's x86 release builds, spelled out rather than
    # -march=native, so that the oracle computes the same on every CI machine.
    cmake -S "$out/src" -B "$out/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_OPENMP=OFF \
        -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TESTS=OFF \
        -DLLAMA_BUILD_EXAMPLES=OFF >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
    cmake --build "$out/build" -j "$jobs" --target "${tools[@]}" >>"$log" 2>&1 || { tail -30 "$log" >&2; exit 1; }
    for tool in "${tools[@]}"; do cp "$out/build/bin/$tool" "$out/bin/"; done
    cp -r "$out/src/gguf-py" "$out/gguf-py"
    rm -rf "$out/build"  # the objects are ~1 GB; the tools and gguf-py are all the tests need
    echo "$tag" >"$out/TAG"
    touch "$out/READY"
fi
echo "$out"
