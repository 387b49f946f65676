# SPDX-License-Identifier: GPL-2.0-or-later
# Where an install puts what systemd reads. Installing into /usr (a package,
# a firmware image) uses systemd.pc's own directories, so units land where
# this systemd looks (/lib/systemd/system on Debian 12); any other prefix
# keeps them under the prefix. Each is a cache variable a packager may set.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  pkg_get_variable(_unitdir systemd systemdsystemunitdir)
  pkg_get_variable(_sysusersdir systemd sysusersdir)
  pkg_get_variable(_tmpfilesdir systemd tmpfilesdir)
endif()
if(NOT _unitdir)
  set(_unitdir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
if(NOT _sysusersdir)
  set(_sysusersdir ${CMAKE_INSTALL_PREFIX}/lib/sysusers.d)
endif()
if(NOT _tmpfilesdir)
  set(_tmpfilesdir ${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d)
endif()
set(SVCPORT_SYSTEMD_UNIT_DIR ${_unitdir} CACHE PATH "systemd system units")
set(SVCPORT_SYSUSERS_DIR ${_sysusersdir} CACHE PATH "sysusers.d entries")
set(SVCPORT_TMPFILES_DIR ${_tmpfilesdir} CACHE PATH "tmpfiles.d entries")

# svcport_install_daemon(TARGET t UNIT file.service.in SYSUSERS f TMPFILES f
#                        NAME n)
# Installs daemon t into sbindir, its unit (with @SBINDIR@ and @CONFDIR@
# replaced), and its sysusers.d/tmpfiles.d entries as n.conf.
function(svcport_install_daemon)
  cmake_parse_arguments(D "" "TARGET;UNIT;SYSUSERS;TMPFILES;NAME" "" ${ARGN})
  install(TARGETS ${D_TARGET} RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
  set(SBINDIR ${CMAKE_INSTALL_FULL_SBINDIR})
  set(CONFDIR ${CMAKE_INSTALL_FULL_SYSCONFDIR}/svcport)
  get_filename_component(_unit ${D_UNIT} NAME_WLE)
  configure_file(${D_UNIT} ${CMAKE_CURRENT_BINARY_DIR}/${_unit} @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${_unit} DESTINATION ${SVCPORT_SYSTEMD_UNIT_DIR})
  install(FILES ${D_SYSUSERS} DESTINATION ${SVCPORT_SYSUSERS_DIR} RENAME ${D_NAME}.conf)
  install(FILES ${D_TMPFILES} DESTINATION ${SVCPORT_TMPFILES_DIR} RENAME ${D_NAME}.conf)
endfunction()
