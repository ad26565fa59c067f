// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rawhttp.h"

#define RAW_MAX	(64u << 20)

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int raw_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Splits what came into head and body once the blank line is there; true when the reply is whole. */
static bool parse(struct raw_reply *r, char *data, size_t n)
{
	char *end = memmem(data, n, "\r\n\r\n", 4), *cl;
	size_t hl;

	if (!end)
		return false;
	hl = (size_t)(end - data) + 4;
	free(r->head);
	r->head = strndup(data, hl);
	if (!r->head)
		return false;
	if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
		r->status = 0;
	r->content_length = -1;
	for (cl = r->head; (cl = strcasestr(cl, "\r\ncontent-length:")); cl++)
		r->content_length = strtol(cl + 17, NULL, 10);
	r->body_len = n - hl;
	r->complete = r->content_length >= 0 && r->body_len >= (size_t)r->content_length;
	return r->complete;
}

int raw_exchange(int fd, const char *request, size_t len, int timeout_ms, struct raw_reply *r)
{
	double end = mono_ms() + timeout_ms;
	size_t sent = 0, n = 0, cap = 65536;
	char *data = malloc(cap + 1);
	bool head_only = !strncmp(request, "HEAD ", 5);
	int ret = 0;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	if (!data)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN | (sent < len ? POLLOUT : 0) };
		int left = (int)(end - mono_ms());
		ssize_t k;

		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		if (p.revents & POLLOUT) {
			k = send(fd, request + sent, len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0)
				sent += (size_t)k;
			else if (k < 0 && errno != EAGAIN)
				sent = len;	/* the server stopped listening: read what it said */
		}
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (n == cap) {
			char *more = cap * 2 <= RAW_MAX ? realloc(data, cap * 2 + 1) : NULL;

			if (!more) {
				ret = -E2BIG;
				break;
			}
			data = more;
			cap *= 2;
		}
		k = recv(fd, data + n, cap - n, MSG_DONTWAIT);
		if (k < 0 && errno == EAGAIN)
			continue;
		if (k <= 0) {
			parse(r, data, n);
			r->reset = !r->complete;
			break;
		}
		n += (size_t)k;
		data[n] = '\0';
		if (parse(r, data, n) || (head_only && r->head)) {
			r->complete = true;
			break;
		}
	}
	data[n] = '\0';
	if (r->head) {
		size_t hl = strlen(r->head);

		/* Bodies may be binary (gzip): copied whole, NUL-terminated after. */
		r->body_len = n - hl;
		r->body = malloc(r->body_len + 1);
		if (r->body) {
			memcpy(r->body, data + hl, r->body_len);
			r->body[r->body_len] = '\0';
		}
	}
	free(data);
	return ret;
}

int raw_http(int port, const char *request, size_t len, int timeout_ms, struct raw_reply *r)
{
	int fd = raw_connect(port), ret;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return fd;
	ret = raw_exchange(fd, request, len, timeout_ms, r);
	close(fd);
	return ret;
}

const char *raw_header(const struct raw_reply *r, const char *name, char *buf, size_t len)
{
	char want[128];
	const char *p;
	size_t n;

	snprintf(want, sizeof(want), "\r\n%s:", name);
	if (!r->head || !(p = strcasestr(r->head, want)))
		return NULL;
	p += strlen(want);
	p += strspn(p, " \t");
	n = strcspn(p, "\r\n");
	snprintf(buf, len, "%.*s", (int)n, p);
	return buf;
}

void raw_reply_free(struct raw_reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
