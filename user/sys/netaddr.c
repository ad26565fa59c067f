// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/netaddr.h"

static int parse_port(const char *s, in_port_t *port)
{
	unsigned long v;
	char *end;

	if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	*port = htons((in_port_t)v);
	return 0;
}

int netaddr_parse(const char *s, struct sockaddr_storage *out)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port = s;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (len = (size_t)(close - s - 1)) >= sizeof(host) || !len)
			return -EINVAL;
		memcpy(host, s + 1, len);
		host[len] = '\0';
		in6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -EINVAL;
		return parse_port(close + 2, &in6->sin6_port);
	}
	in4->sin_family = AF_INET;
	colon = strchr(s, ':');
	if (colon) {
		/* An IPv6 address wants brackets, so that its last group is not taken for the port. */
		if (strchr(colon + 1, ':') || (len = (size_t)(colon - s)) >= sizeof(host) || !len)
			return -EINVAL;
		memcpy(host, s, len);
		host[len] = '\0';
		port = colon + 1;
	} else {
		snprintf(host, sizeof(host), "%s", NETADDR_DEFAULT_HOST);
	}
	/* inet_pton, not inet_aton: "1" or "0x7f.1" are not addresses anyone means. */
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -EINVAL;
	return parse_port(port, &in4->sin_port);
}

const char *netaddr_format(const struct sockaddr_storage *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in4->sin_port));
	}
	return buf;
}

int netaddr_listen(const struct sockaddr_storage *a, int backlog)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)a;
	socklen_t len = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	int fd, one = 1, v6only, r;

	fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A restarted memprobe gets its port back while the last one's connections linger in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (a->ss_family == AF_INET6) {
		v6only = !IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)))
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)a, len) || listen(fd, backlog))
		goto fail;
	return fd;
fail:
	r = -errno;
	close(fd);
	return r;
}
