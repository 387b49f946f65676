# SPDX-License-Identifier: GPL-2.0-or-later
# Cross build for 32-bit ARM BMCs (AST2600-class): Debian's armhf ABI,
# gcc-arm-linux-gnueabihf against a sysroot of Debian 12 armhf packages made
# by scripts/armhf-sysroot, tests run under qemu-arm-static. docs/arm.md.
#
#   scripts/armhf-sysroot build/armhf/sysroot
#   cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-armhf.cmake \
#         -DSVCPORT_SYSROOT=$PWD/build/armhf/sysroot
#
# Debian 12's armhf libraries use a 32-bit time_t: nothing here sets
# _TIME_BITS=64, which would break their ABI (docs/arm.md says how our own
# times stay 64-bit).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(SVCPORT_TRIPLE arm-linux-gnueabihf)
set(CMAKE_C_COMPILER_TARGET ${SVCPORT_TRIPLE})

find_program(SVCPORT_CROSS_CC ${SVCPORT_TRIPLE}-gcc)
if(NOT SVCPORT_CROSS_CC)
  message(FATAL_ERROR "${SVCPORT_TRIPLE}-gcc not found: scripts/deps armhf installs it")
endif()
set(CMAKE_C_COMPILER ${SVCPORT_CROSS_CC})

# The sysroot: a cache variable, or the environment, passed on to try_compile.
if(NOT SVCPORT_SYSROOT)
  set(SVCPORT_SYSROOT "$ENV{SVCPORT_SYSROOT}")
endif()
if(NOT SVCPORT_SYSROOT OR NOT EXISTS "${SVCPORT_SYSROOT}/usr/include/${SVCPORT_TRIPLE}")
  message(FATAL_ERROR "no armhf sysroot at '${SVCPORT_SYSROOT}': run scripts/armhf-sysroot DIR "
                      "and pass -DSVCPORT_SYSROOT=DIR")
endif()
set(SVCPORT_SYSROOT "${SVCPORT_SYSROOT}" CACHE PATH "Debian armhf sysroot (scripts/armhf-sysroot)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SVCPORT_SYSROOT)
set(CMAKE_SYSROOT ${SVCPORT_SYSROOT})
set(CMAKE_FIND_ROOT_PATH ${SVCPORT_SYSROOT})

# Programs (protoc, nanopb_generator.py, python3) run on the build machine;
# libraries, headers and CMake packages (nanopb's config) come from the sysroot.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads only the sysroot's .pc files and prefixes their paths.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SVCPORT_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${SVCPORT_SYSROOT}/usr/lib/${SVCPORT_TRIPLE}/pkgconfig:${SVCPORT_SYSROOT}/usr/share/pkgconfig")
unset(ENV{PKG_CONFIG_PATH})

# add_test runs every test program under user-mode QEMU, with the sysroot as
# its root for the loader and the shared libraries (list form: one argument each).
find_program(SVCPORT_QEMU_ARM NAMES qemu-arm-static qemu-arm)
if(SVCPORT_QEMU_ARM)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SVCPORT_QEMU_ARM} -L ${SVCPORT_SYSROOT})
else()
  message(WARNING "qemu-arm-static not found (scripts/deps armhf): the tests cannot run")
endif()
