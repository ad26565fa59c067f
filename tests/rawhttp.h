/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTTP/1.1 by hand, over a plain socket, for what a well-behaved client
 * (tests/http.c, libcurl) will not send: bad methods, broken request
 * lines, huge headers, trickles, clients that walk away. Also what the
 * endpoint tests use in the VM, which has no libcurl, and the benchmark.
 */
#ifndef MEMPROBE_RAWHTTP_H
#define MEMPROBE_RAWHTTP_H

#include <stdbool.h>
#include <stddef.h>

struct raw_reply {
	int status;		/* 0: no status line came */
	char *head;		/* status line and headers, NUL-terminated */
	char *body;		/* what followed, NUL-terminated */
	size_t body_len;
	long content_length;	/* -1 when absent */
	bool complete;		/* the body is as long as Content-Length says */
	bool reset;		/* the server reset or closed the connection before a complete reply */
};

/* A connected TCP socket to 127.0.0.1:port (blocking), or -errno. */
int raw_connect(int port);
/* Sends len bytes of request and reads one reply within timeout_ms; -ETIMEDOUT, or 0 with r filled. */
int raw_exchange(int fd, const char *request, size_t len, int timeout_ms, struct raw_reply *r);
/* raw_connect + raw_exchange + close. */
int raw_http(int port, const char *request, size_t len, int timeout_ms, struct raw_reply *r);
/* A header's value in r->head (case-insensitive name), copied into buf; NULL when absent. */
const char *raw_header(const struct raw_reply *r, const char *name, char *buf, size_t len);
void raw_reply_free(struct raw_reply *r);

#endif /* MEMPROBE_RAWHTTP_H */
