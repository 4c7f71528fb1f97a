#!/usr/bin/env bash
# Installs everything Hearth needs to build, run and test on Debian 12 / Ubuntu 22.04+.
# Idempotent: packages already present are left alone. This is the one list of packages.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git python3
  # Qt 6 (GUI, QML, tests)
  qt6-base-dev qt6-declarative-dev qt6-declarative-dev-tools libgl-dev
  qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
  qml6-module-qtquick-window qml6-module-qtquick-templates qml6-module-qtqml-workerscript
  qml6-module-qtquick-dialogs qml6-module-qt-labs-platform qml6-module-qtqml-models
  qml6-module-qttest qml6-module-qt-labs-folderlistmodel  # the non-native file dialog (no platform one)
  # Vulkan: headers, run-time loader (volk), shader compiler, lavapipe CPU driver, validation
  libvulkan-dev libvulkan-volk-dev glslang-tools spirv-tools mesa-vulkan-drivers
  vulkan-tools vulkan-validationlayers
  # inference and storage libraries
  libsqlite3-dev libsodium-dev qtkeychain-qt6-dev libpoppler-qt6-dev libsentencepiece-dev libpcre2-dev nlohmann-json3-dev libgtest-dev
  # the local API server: HTTP (chunked streaming)
  libcpp-httplib-dev
  # tests: headless display, fuzzing + sanitizers, Windows and ARM64 cross compile checks (ARM64's
  # kernel tests run under qemu-user), template oracle
  xvfb xauth clang libclang-rt-14-dev clang-format g++-mingw-w64-x86-64-posix g++-aarch64-linux-gnu qemu-user python3-jinja2 strace
  # the keychain test runs a real Secret Service on a private session bus
  gnome-keyring dbus-daemon
  # the download tests drive their stand-in Hub with curl
  curl
  # the llama.cpp oracle: its gguf-py writes test models (numpy, yaml)
  python3-numpy python3-yaml
  # packaging checks
  desktop-file-utils appstream dpkg-dev file librsvg2-bin
)

# Node.js (npm fetches test data: tokenizer files, llama.cpp for benchmarks): Debian's only when
# the machine has none of its own.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
