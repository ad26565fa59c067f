/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The address --listen names: [ADDR:]PORT with ADDR numeric (IPv4, or IPv6
 * in brackets), so that no name is ever looked up (the exporter unit allows
 * no netlink and no DNS), and the listening socket made from it.
 */
#ifndef MEMPROBE_NETADDR_H
#define MEMPROBE_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define NETADDR_DEFAULT_HOST	"127.0.0.1"

/* "19792", "0.0.0.0:19792", "[::1]:19792" into out; -EINVAL for anything else. */
int netaddr_parse(const char *s, struct sockaddr_storage *out);
/* "127.0.0.1:19792" or "[::1]:19792". */
const char *netaddr_format(const struct sockaddr_storage *a, char *buf, size_t len);

/*
 * A non-blocking, close-on-exec TCP socket bound to a and listening. An IPv6
 * wildcard ([::]) takes IPv4 too; any other IPv6 address only itself.
 * Returns the fd or -errno.
 */
int netaddr_listen(const struct sockaddr_storage *a, int backlog);

#endif /* MEMPROBE_NETADDR_H */
