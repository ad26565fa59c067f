/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP for the tests, through libcurl: Prometheus's API, and memprobe's own
 * endpoint. Servers the tests start listen on 127.0.0.1, on a port found free.
 */
#ifndef MEMPROBE_HTTP_H
#define MEMPROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_opts {
	const char *method;		/* NULL: GET; "HEAD" asks for no body */
	const char *const *headers;	/* "Name: value", NULL-terminated; NULL: none */
	bool gzip;			/* ask for gzip; the body comes back decoded */
	int timeout_s;			/* the whole exchange; 0: 10 */
};

struct http_reply {
	long status;		/* the HTTP status */
	char *body;		/* NUL-terminated */
	size_t len;
	char *headers;		/* the response's header lines, as received */
	char error[512];	/* why there is no reply */
};

/*
 * 0 when a reply came, whatever its status; -ECONNREFUSED when nothing
 * listens, -ETIMEDOUT, -EIO, or -ELIBACC without libcurl (error says which).
 * The reply is freed with http_reply_free() either way.
 */
int http_call(const char *url, const struct http_opts *o, struct http_reply *r);
void http_reply_free(struct http_reply *r);

/* s %-encoded for a query string (RFC 3986 unreserved characters kept); the caller frees it. */
char *http_escape(const char *s);

/* A TCP port on 127.0.0.1 that nothing listens on now, or -errno. */
int free_tcp_port(void);

#endif /* MEMPROBE_HTTP_H */
