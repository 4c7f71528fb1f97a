#!/usr/bin/env bash
# One entry point for a fresh Debian 12 / Ubuntu machine:
#   installer/hearth-dev.sh run    install dependencies, build, launch Hearth
#   installer/hearth-dev.sh test   install dependencies, build, run every test suite:
#                                  GCC build (-Werror) + CTest; clang ASan/UBSan build + CTest
#                                  incl. bounded libFuzzer runs; Windows and ARM64 cross-compile checks
# Build folders (build/, build-asan/, build-mingw/, build-arm64/) are reused between runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode="${1:-}"
jobs="$(nproc 2>/dev/null || echo 2)"

# Each step's heading says how long the one before took: CI's log shows where its time goes.
step_started=$SECONDS
step() {
    printf '\n=== %s === (the previous step took %d s)\n' "$*" $((SECONDS - step_started))
    step_started=$SECONDS
}

configure_and_build() {  # configure_and_build <dir> [cmake args...]
    local dir="$1"; shift
    mkdir -p "$dir"  # the configure log lives in the build folder, not the checkout's root
    cmake -S . -B "$dir" -G Ninja "$@" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; return 1; }
    cmake --build "$dir" -j "$jobs"
}

case "$mode" in
run)
    step "dependencies"
    bash installer/install-deps.sh
    step "build"
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    step "launch"
    args=()
    [ -n "${HEARTH_MODEL:-}" ] && args+=(--model "$HEARTH_MODEL")
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        echo "No display found: starting Hearth under a virtual one (xvfb-run); on a desktop it opens a window."
        exec xvfb-run -a -s "-screen 0 1280x800x24" ./build/app/gui/hearth "${args[@]}"
    fi
    exec ./build/app/gui/hearth "${args[@]}"
    ;;
test)
    step "dependencies"
    bash installer/install-deps.sh
    start=$SECONDS

    step "llama.cpp oracle (node-llama-cpp's source from npm, built once into the cache)"
    # Hearth's logits are checked against llama.cpp's own (tests/oracle/). Without the npm registry
    # those tests skip, unless HEARTH_REQUIRE_ORACLE=1 (CI) makes that a failure.
    oracle_rc=0
    oracle_dir="$(bash tests/tools/llama_cpp_oracle.sh)" || oracle_rc=$?
    if [ $oracle_rc = 0 ]; then
        export HEARTH_LLAMA_CPP_DIR="$oracle_dir"
    elif [ $oracle_rc = 77 ] && [ "${HEARTH_REQUIRE_ORACLE:-0}" != 1 ]; then
        echo "llama.cpp oracle unavailable: the oracle tests will skip"
    else
        exit 1
    fi

    step "GCC build (-Werror)"
    # Optimised as the app is, without debug info: nothing here reads it (the .deb is stripped, the
    # ASan build below keeps line tables for its reports), and it costs a quarter of the compile time.
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_WERROR=ON \
        -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"

    # The cross-compile checks compile the inference library for other platforms (nothing runs);
    # the SPIR-V is the same everywhere, so they take the GCC build's. Unoptimised, without debug
    # info: a compile check in half the time (the optimiser's warnings come from the GCC build).
    cross_flags=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG=-O0 -DCMAKE_CXX_FLAGS_DEBUG=-O0)
    step "Windows cross-compile check (mingw-w64, inference library)"
    configure_and_build build-mingw -DCMAKE_TOOLCHAIN_FILE=installer/toolchains/mingw-w64-x86_64.cmake \
        -DHEARTH_INFERENCE_ONLY=ON -DHEARTH_WERROR=ON -DHEARTH_PREBUILT_SPIRV_DIR="$root/build/shaders/spirv" "${cross_flags[@]}"

    step "ARM64 cross-compile and NEON kernel tests (aarch64-linux-gnu, run under qemu-user)"
    configure_and_build build-arm64 -DCMAKE_TOOLCHAIN_FILE=installer/toolchains/aarch64-linux-gnu.cmake \
        -DHEARTH_INFERENCE_ONLY=ON -DHEARTH_WERROR=ON -DHEARTH_PREBUILT_SPIRV_DIR="$root/build/shaders/spirv" \
        -DHEARTH_EMULATED_TESTS=ON "${cross_flags[@]}"
    ctest --test-dir build-arm64 --output-on-failure

    step "GCC tests"
    # The Vulkan suites must run (on lavapipe at least) and under the validation layer: a missing
    # driver or layer fails them here instead of skipping.
    export HEARTH_REQUIRE_VULKAN=1
    ctest --test-dir build --output-on-failure -j "$jobs"

    step "clang ASan + UBSan build, tests and bounded fuzzing"
    # Line tables are all the sanitizers' reports need, and compile faster than full debug info.
    CC=clang CXX=clang++ configure_and_build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_WERROR=ON \
        -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
        -DHEARTH_SANITIZE=ON -DHEARTH_FUZZ=ON -DHEARTH_FUZZ_SECONDS="${HEARTH_FUZZ_SECONDS:-60}"
    # The whole-model Vulkan comparisons spend their time in the (instrumented, slow) CPU oracle
    # and in lavapipe, not in Hearth's host code: the sanitizers run every Vulkan kernel test and
    # the end-to-end greedy, binding-limit and too-big-model tests, the GCC build runs them all.
    # Likewise the two longest numeric runs over real files (a minute each here): the sanitizers
    # see the same code in the kernel tests and the shorter whole-file ones.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE 'installer|oracle' \
        -E 'VulkanForward\.(GeneratedModels|LlamaCppQuantizedFiles|KQuantMixes|GpuMatmulKernels|IntegerDotKernels)|Stories260K\.PerplexityMatchesLlamaCpp|FastCpuBackend\.GreedyTokensAreTheReferencesOnEveryFileAndInstructionSet'


    step "all suites passed in $((SECONDS - start)) s"
    ;;
*)
    echo "usage: installer/hearth-dev.sh run|test" >&2
    exit 2
    ;;
esac
