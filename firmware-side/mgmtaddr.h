/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC's management addresses (docs/certs.md "SANs"): a file the board's
 * network configuration keeps (bmcd --mgmt-addresses FILE), one address a
 * line, an IPv4 or IPv6 literal or a DNS name; '#' starts a comment line.
 * Turned into the DER GeneralNames of the link certificate's subjectAltName
 * (iPAddress, dNSName), in the file's order, duplicates dropped.
 */
#ifndef SVCPORT_BMC_MGMTADDR_H
#define SVCPORT_BMC_MGMTADDR_H

#include <stddef.h>

#define MGMTADDR_MAX      8    /* addresses */
#define MGMTADDR_FILE_MAX 4096 /* bytes */

/*
 * Reads path into der (GeneralNames, *ret_len bytes; 0 for a file without
 * addresses) and what (the addresses, space-separated, for the audit record).
 * A missing file is no address (0, *ret_len 0). -EINVAL with why in err if a
 * line is not an address, there are more than MGMTADDR_MAX, or they do not
 * fit cap; -errno if the file cannot be read. Nothing is set on failure.
 */
int mgmtaddr_read(const char *path, unsigned char *der, size_t cap, size_t *ret_len, char *what,
                  size_t what_cap, char *err, size_t err_len) __attribute__((warn_unused_result));

#endif
