/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * An HTTP server inside memprobe's one event loop: libmicrohttpd in its
 * external epoll mode (its epoll fd and a timer in the loop's epoll set, no
 * thread, no lock), so a slow client costs a wakeup, never a wait. It
 * parses the requests; the caller's handler picks a reply for each, and
 * replies are kept and sent to any number of clients until dropped.
 *
 * Limits: connections in all and per client address, request size (a
 * connection's memory), idle time, and the time one request may take from
 * its first byte to the end of its reply (a client trickling its headers a
 * byte at a time is cut off then, where an idle timer alone would wait).
 *
 * libmicrohttpd is loaded (dlopen) when a server is made, not linked: see
 * httpd.c for why. Replies need a server made first.
 */
#ifndef MEMPROBE_HTTPD_H
#define MEMPROBE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct loop;
struct httpd;
/* A reply that can go to many clients: status, headers, body. */
struct httpd_reply;

#define HTTPD_MAX_CONNECTIONS	64
#define HTTPD_MAX_PER_CLIENT	16
#define HTTPD_CONNECTION_MEMORY	(16 * 1024)	/* the request's headers must fit in it */
#define HTTPD_IDLE_TIMEOUT_S	10
#define HTTPD_REQUEST_DEADLINE_S	10
#define HTTPD_BACKLOG		64

struct httpd_request {
	const char *method;
	const char *path;		/* decoded, without the query */
	const char *accept;		/* the header, or NULL */
	const char *accept_encoding;
};

/* Borrows a reply for the request; NULL closes the connection without one. */
typedef struct httpd_reply *(*httpd_handler)(void *ctx, const struct httpd_request *rq);

/*
 * Loads libmicrohttpd and binds the listening socket, so that a missing
 * library or a taken port is found before anything else starts. Nothing is
 * served until httpd_start(). -ELIBACC without the library; err says what
 * went wrong in one line.
 */
int httpd_new(struct httpd **out, const struct sockaddr_storage *addr, char *err, size_t errlen);
/* Serves from the loop from now on. */
int httpd_start(struct httpd *h, struct loop *l, httpd_handler handler, void *ctx);
/*
 * How much a request's Accept or Accept-Encoding header wants token
 * ("application/openmetrics-text", "gzip"): its q-value, 0 to 1, the best
 * of the elements naming it (or, if none does and wildcards count, of the
 * wildcards); 0 when the header is absent or says nothing of it.
 */
double httpd_quality(const char *header, const char *token, bool wildcards);

/* Closes every connection and the socket; accepts NULL. */
void httpd_free(struct httpd *h);

/*
 * A reply holding body (len bytes, which it frees with free(3) once no
 * client needs them; body may be NULL for len 0, or static with
 * body_static). content_type and encoding (NULL: none) are headers. NULL
 * without memory or without the library.
 */
struct httpd_reply *httpd_reply_new(unsigned int status, const char *content_type, const char *encoding,
				    void *body, size_t len, bool body_static);
/* Adds a header line. */
int httpd_reply_header(struct httpd_reply *r, const char *name, const char *value);
/* Drops the caller's hold; clients still being sent it keep it until done. Accepts NULL. */
void httpd_reply_drop(struct httpd_reply *r);

#endif /* MEMPROBE_HTTPD_H */
