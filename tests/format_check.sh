#!/usr/bin/env bash
# The C++ tree follows .clang-format: clang-format changes nothing in any tracked source.
#   format_check.sh <source root>
set -uo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed"; exit 77; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' | grep -v '^shaders/kernel_tiles.h$\|^shaders/push_constants.h$')
[ ${#files[@]} -gt 0 ] || { echo "SKIP: not a git checkout"; exit 77; }
if ! clang-format --dry-run -Werror "${files[@]}" 2>"${TMPDIR:-/tmp}/hearth-format.log"; then
    head -40 "${TMPDIR:-/tmp}/hearth-format.log"
    echo "FAIL: these files do not follow .clang-format (run: clang-format -i <file>)"
    exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
