# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the C code block that follows the line "<!-- example: NAME -->" in the Markdown
# page IN to OUT, so a page's example is compiled (and tested) as it is printed:
#   cmake -DIN=docs/client.md -DNAME=svcport-client-example.c -DOUT=file.c -P ExtractExample.cmake
file(READ "${IN}" page)
string(FIND "${page}" "<!-- example: ${NAME} -->" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${IN}: no <!-- example: ${NAME} --> marker")
endif()
string(SUBSTRING "${page}" ${at} -1 rest)
string(FIND "${rest}" "```c\n" open)
if(open EQUAL -1)
  message(FATAL_ERROR "${IN}: no ```c block after the ${NAME} marker")
endif()
math(EXPR open "${open} + 5")
string(SUBSTRING "${rest}" ${open} -1 rest)
string(FIND "${rest}" "\n```" close)
if(close EQUAL -1)
  message(FATAL_ERROR "${IN}: the ${NAME} block is not closed")
endif()
string(SUBSTRING "${rest}" 0 ${close} code)
file(WRITE "${OUT}.tmp" "${code}\n")
# Only a changed example rebuilds.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
