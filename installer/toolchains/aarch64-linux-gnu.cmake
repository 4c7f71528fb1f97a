# Cross-compiles for 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu. Used by CI as a
# compile check of the Qt-free inference library (-DHEARTH_INFERENCE_ONLY=ON): the NEON kernels
# of the fast CPU backend and everything the library builds on ARM64. Its tests run under
# qemu-user with every ARMv8 feature on (-DHEARTH_EMULATED_TESTS=ON).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
find_program(HEARTH_QEMU_AARCH64 qemu-aarch64)
if(HEARTH_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${HEARTH_QEMU_AARCH64};-cpu;max;-L;/usr/aarch64-linux-gnu")
endif()
