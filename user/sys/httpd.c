// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libmicrohttpd is loaded with dlopen when --listen asks for a server, not
 * linked. Debian ships a static libmicrohttpd.a, but it is built with HTTPS:
 * linking it brings GnuTLS and its ten libraries into every memprobe, and its
 * constructor initialises GnuTLS at every start (measured: +2.8 MB of peak
 * RSS for a program that never serves). Loaded on demand, a run without
 * --listen is what it was, the package depends on libmicrohttpd12 only as a
 * recommendation, and its absence is one line saying what to install.
 */
#include <dlfcn.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "sys/httpd.h"
#include "sys/log.h"
#include "sys/loop.h"
#include "sys/netaddr.h"
#include "sys/util.h"

#define MHD_SONAME	"libmicrohttpd.so.12"

static struct {
	void *lib;
	typeof(MHD_start_daemon) *start_daemon;
	typeof(MHD_stop_daemon) *stop_daemon;
	typeof(MHD_run) *run;
	typeof(MHD_get_timeout) *get_timeout;
	typeof(MHD_get_daemon_info) *get_daemon_info;
	typeof(MHD_get_connection_info) *get_connection_info;
	typeof(MHD_lookup_connection_value) *lookup_connection_value;
	typeof(MHD_queue_response) *queue_response;
	typeof(MHD_create_response_from_buffer) *response_from_buffer;
	typeof(MHD_create_response_from_buffer_with_free_callback) *response_from_buffer_free;
	typeof(MHD_add_response_header) *add_response_header;
	typeof(MHD_destroy_response) *destroy_response;
} mhd;

/* One open connection, for the request deadline. */
struct conn {
	double since;		/* monotonic: opened, or its last request answered */
	int fd;
	struct conn *prev, *next;
};

struct httpd {
	struct MHD_Daemon *daemon;
	int listen_fd;		/* ours until the daemon takes it */
	int timer_fd;
	httpd_handler handler;
	void *ctx;
	struct conn *conns;
	unsigned int n_conns;
};

struct httpd_reply {
	struct MHD_Response *resp;
	unsigned int status;
};

static int load(char *err, size_t len)
{
	const char *missing = NULL;

	if (mhd.lib)
		return 0;
	mhd.lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!mhd.lib) {
		snprintf(err, len, "--listen needs libmicrohttpd (Debian: apt-get install libmicrohttpd12): %s",
			 dlerror());
		return -ELIBACC;
	}
#define SYM(field, name)							\
	do {									\
		*(void **)&mhd.field = dlsym(mhd.lib, name);			\
		if (!mhd.field && !missing)					\
			missing = name;						\
	} while (0)
	SYM(start_daemon, "MHD_start_daemon");
	SYM(stop_daemon, "MHD_stop_daemon");
	SYM(run, "MHD_run");
	SYM(get_timeout, "MHD_get_timeout");
	SYM(get_daemon_info, "MHD_get_daemon_info");
	SYM(get_connection_info, "MHD_get_connection_info");
	SYM(lookup_connection_value, "MHD_lookup_connection_value");
	SYM(queue_response, "MHD_queue_response");
	SYM(response_from_buffer, "MHD_create_response_from_buffer");
	SYM(response_from_buffer_free, "MHD_create_response_from_buffer_with_free_callback");
	SYM(add_response_header, "MHD_add_response_header");
	SYM(destroy_response, "MHD_destroy_response");
#undef SYM
	if (missing) {
		snprintf(err, len, "--listen: %s has no %s (too old; memprobe needs 0.9.60 or later)", MHD_SONAME,
			 missing);
		dlclose(mhd.lib);
		memset(&mhd, 0, sizeof(mhd));
		return -ELIBACC;
	}
	return 0;
}

int httpd_new(struct httpd **out, const struct sockaddr_storage *addr, char *err, size_t errlen)
{
	struct httpd *h;
	char where[64];
	int r;

	*out = NULL;
	r = load(err, errlen);
	if (r)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->timer_fd = -1;
	h->listen_fd = netaddr_listen(addr, HTTPD_BACKLOG);
	if (h->listen_fd < 0) {
		r = h->listen_fd;
		snprintf(err, errlen, "--listen: cannot listen on %s: %s%s", netaddr_format(addr, where, sizeof(where)),
			 strerror(-r), r == -EADDRINUSE ? " (another program has that port: give another)" : "");
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

static void on_log(void *ctx, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)ctx;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

static enum MHD_Result on_request(void *ctx, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct httpd *h = ctx;
	struct httpd_request rq = { .method = method, .path = url };
	struct httpd_reply *r;

	(void)version;
	(void)upload;
	/*
	 * Answered once the request is complete: a reply queued on its headers
	 * alone makes libmicrohttpd close the connection after it, and a
	 * scraper keeping its connection open would connect anew every time.
	 * A body is read and dropped (the request deadline bounds it).
	 */
	if (!*req) {
		*req = h;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	rq.accept = mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	rq.accept_encoding = mhd.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	r = h->handler(h->ctx, &rq);
	return r ? mhd.queue_response(c, r->status, r->resp) : MHD_NO;
}

static void on_connection(void *ctx, struct MHD_Connection *c, void **sock_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = ctx;
	struct conn *k = *sock_ctx;
	const union MHD_ConnectionInfo *info;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return;		/* it only misses the deadline; the idle timeout still holds */
		info = mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = info ? info->connect_fd : -1;
		k->since = now_monotonic();
		k->next = h->conns;
		if (h->conns)
			h->conns->prev = k;
		h->conns = k;
		h->n_conns++;
		*sock_ctx = k;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || !k)
		return;
	if (k->prev)
		k->prev->next = k->next;
	else
		h->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	h->n_conns--;
	free(k);
	*sock_ctx = NULL;
}

/* A request answered: the next one on the connection has its own time. */
static void on_completed(void *ctx, struct MHD_Connection *c, void **req, enum MHD_RequestTerminationCode toe)
{
	const union MHD_ConnectionInfo *info = mhd.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	(void)ctx;
	(void)req;
	(void)toe;
	if (info && info->socket_context)
		((struct conn *)info->socket_context)->since = now_monotonic();
}

/*
 * libmicrohttpd's timeout counts idle time only: a client sending a byte of
 * its headers every second would hold its connection for hours. Past the
 * deadline the socket is shut down; the library sees the end of the stream
 * at its next run and closes the connection its usual way.
 */
static void enforce_deadline(struct httpd *h, double now)
{
	struct conn *k;

	for (k = h->conns; k; k = k->next) {
		if (k->fd < 0 || now - k->since <= HTTPD_REQUEST_DEADLINE_S)
			continue;
		log_debug("http: a request took more than %d s: closing its connection", HTTPD_REQUEST_DEADLINE_S);
		shutdown(k->fd, SHUT_RDWR);
		k->fd = -1;
	}
}

/* The library says when it must run next; open connections also get the deadline checked each second. */
static int arm(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms = 0;
	struct itimerspec its = { 0 };
	long long wait_ms = -1;

	if (mhd.get_timeout(h->daemon, &ms) == MHD_YES)
		wait_ms = (long long)ms;
	if (h->n_conns && (wait_ms < 0 || wait_ms > 1000))
		wait_ms = 1000;
	if (wait_ms >= 0) {
		its.it_value.tv_sec = wait_ms / 1000;
		its.it_value.tv_nsec = wait_ms % 1000 * 1000000L;
		if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
			its.it_value.tv_nsec = 1;
	}
	return timerfd_settime(h->timer_fd, 0, &its, NULL) ? -errno : 0;
}

/* Called by the loop when the library's epoll set or the timer is ready: never blocks. */
static int pump(void *ctx)
{
	struct httpd *h = ctx;
	uint64_t expirations;

	if (read(h->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		return log_err_errno(-errno, "cannot read the HTTP server's timer");
	if (mhd.run(h->daemon) != MHD_YES)
		log_debug("http: the server could not run this time");
	enforce_deadline(h, now_monotonic());
	return arm(h);
}

int httpd_start(struct httpd *h, struct loop *l, httpd_handler handler, void *ctx)
{
	const union MHD_DaemonInfo *info;
	int r;

	h->handler = handler;
	h->ctx = ctx;
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->timer_fd < 0)
		return -errno;
	/* MHD_USE_EPOLL without an internal thread: the caller polls its epoll fd. */
	h->daemon = mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
				     MHD_OPTION_EXTERNAL_LOGGER, on_log, h,
				     MHD_OPTION_LISTEN_SOCKET, h->listen_fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTPD_MAX_CONNECTIONS,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)HTTPD_MAX_PER_CLIENT,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_CONNECTION_MEMORY,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTPD_IDLE_TIMEOUT_S,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				     MHD_OPTION_END);
	if (!h->daemon)
		return -EIO;
	h->listen_fd = -1;	/* the daemon's now, closed when it stops */
	info = mhd.get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0)
		return -EIO;
	r = loop_add(l, info->epoll_fd, pump, h);
	if (!r)
		r = loop_add(l, h->timer_fd, pump, h);
	return r ?: arm(h);
}

/* The q parameter of one element's parameters (";q=0.5;..."); 1 when absent, as RFC 9110 says. */
static double element_quality(const char *params, const char *end)
{
	const char *p = params;

	while (p && p < end) {
		p += strspn(p, "; \t");
		if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			double q = strtod(p + 2, NULL);

			return q < 0 ? 0 : q > 1 ? 1 : q;
		}
		p = memchr(p, ';', (size_t)(end - p));
	}
	return 1;
}

double httpd_quality(const char *header, const char *token, bool wildcards)
{
	const char *slash = strchr(token, '/');
	size_t tlen = strlen(token), major = slash ? (size_t)(slash - token) : 0;
	double exact = -1, wild = -1;
	const char *p = header;

	while (p && *p) {
		const char *end = strchr(p, ','), *params;
		size_t n;

		if (!end)
			end = p + strlen(p);
		p += strspn(p, " \t");
		params = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((params ? params : end) - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == tlen && !strncasecmp(p, token, n)) {
			double q = element_quality(params, end);

			exact = q > exact ? q : exact;
		} else if ((n == 1 && p[0] == '*') || (n == 3 && !strncmp(p, "*/*", 3)) ||
			   (slash && n == major + 2 && !strncasecmp(p, token, major + 1) && p[major + 1] == '*')) {
			double q = element_quality(params, end);

			wild = q > wild ? q : wild;
		}
		p = *end ? end + 1 : end;
	}
	return exact >= 0 ? exact : wildcards && wild > 0 ? wild : 0;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	/* Stopping closes every connection; each is notified and its record freed. */
	if (h->daemon)
		mhd.stop_daemon(h->daemon);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	free(h);
}

struct httpd_reply *httpd_reply_new(unsigned int status, const char *content_type, const char *encoding,
				    void *body, size_t len, bool body_static)
{
	struct httpd_reply *r;

	if (!mhd.lib)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->status = status;
	r->resp = body_static || !body ? mhd.response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT)
				       : mhd.response_from_buffer_free(len, body, free);
	if (!r->resp)
		goto fail;
	if ((content_type && httpd_reply_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type)) ||
	    (encoding && httpd_reply_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, encoding)))
		goto fail;
	return r;
fail:
	if (r->resp)
		mhd.destroy_response(r->resp);
	else if (!body_static)
		free(body);
	free(r);
	return NULL;
}

int httpd_reply_header(struct httpd_reply *r, const char *name, const char *value)
{
	return mhd.add_response_header(r->resp, name, value) == MHD_YES ? 0 : -ENOMEM;
}

void httpd_reply_drop(struct httpd_reply *r)
{
	if (!r)
		return;
	mhd.destroy_response(r->resp);
	free(r);
}
