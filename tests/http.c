// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libcurl is loaded on first use, not linked: the test binary also runs in the
 * VM, whose image carries the libraries of what it links, and libcurl would
 * bring thirty (8 MB compressed) for tests that only run on the host.
 */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"

/* Larger bodies are refused: a runaway server must not take the test's memory. */
#define HTTP_MAX_BODY	(64u << 20)

static struct {
	void *lib;
	typeof(curl_global_init) *global_init;
	typeof(curl_easy_init) *easy_init;
	typeof(curl_easy_setopt) *easy_setopt;
	typeof(curl_easy_perform) *easy_perform;
	typeof(curl_easy_getinfo) *easy_getinfo;
	typeof(curl_easy_cleanup) *easy_cleanup;
	typeof(curl_easy_strerror) *easy_strerror;
	typeof(curl_slist_append) *slist_append;
	typeof(curl_slist_free_all) *slist_free_all;
} curl;

static int load(char *err, size_t len)
{
	const char *missing = NULL;

	if (curl.lib)
		return 0;
	curl.lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!curl.lib) {
		snprintf(err, len, "%s (make deps-test installs libcurl)", dlerror());
		return -ELIBACC;
	}
#define SYM(field, name)								\
	do {										\
		*(void **)&curl.field = dlsym(curl.lib, name);				\
		if (!curl.field && !missing)						\
			missing = name;							\
	} while (0)
	SYM(global_init, "curl_global_init");
	SYM(easy_init, "curl_easy_init");
	SYM(easy_setopt, "curl_easy_setopt");
	SYM(easy_perform, "curl_easy_perform");
	SYM(easy_getinfo, "curl_easy_getinfo");
	SYM(easy_cleanup, "curl_easy_cleanup");
	SYM(easy_strerror, "curl_easy_strerror");
	SYM(slist_append, "curl_slist_append");
	SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
	if (missing || curl.global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(err, len, "libcurl.so.4: %s", missing ? missing : "curl_global_init failed");
		dlclose(curl.lib);
		memset(&curl, 0, sizeof(curl));
		return -ELIBACC;
	}
	return 0;
}

struct buf {
	char *p;
	size_t len, cap;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + add + 1)
			cap *= 2;
		if (cap > HTTP_MAX_BODY || !(p = realloc(b->p, cap)))
			return 0;	/* libcurl ends the transfer with a write error */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

static int errno_of(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int http_call(const char *url, const struct http_opts *o, struct http_reply *r)
{
	static const struct http_opts defaults;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct buf body = { 0 }, head = { 0 };
	struct curl_slist *hdrs = NULL, *t;
	CURL *h = NULL;
	CURLcode c;
	int ret, i;

	memset(r, 0, sizeof(*r));
	if (!o)
		o = &defaults;
	ret = load(r->error, sizeof(r->error));
	if (ret)
		return ret;
	h = curl.easy_init();
	if (!h) {
		snprintf(r->error, sizeof(r->error), "curl_easy_init failed");
		return -ENOMEM;
	}
	for (i = 0; o->headers && o->headers[i]; i++) {
		t = curl.slist_append(hdrs, o->headers[i]);
		if (!t) {
			ret = -ENOMEM;
			goto out;
		}
		hdrs = t;
	}
	curl.easy_setopt(h, CURLOPT_URL, url);
	curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	/* An http_proxy in the environment must not carry requests for 127.0.0.1 away. */
	curl.easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(h, CURLOPT_TIMEOUT, (long)(o->timeout_s > 0 ? o->timeout_s : 10));
	curl.easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl.easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl.easy_setopt(h, CURLOPT_HEADERFUNCTION, collect);
	curl.easy_setopt(h, CURLOPT_HEADERDATA, &head);
	if (hdrs)
		curl.easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (o->gzip)
		curl.easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
	if (o->method && !strcmp(o->method, "HEAD"))
		curl.easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (o->method)
		curl.easy_setopt(h, CURLOPT_CUSTOMREQUEST, o->method);
	c = curl.easy_perform(h);
	if (c != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%.200s: %.255s", url, errbuf[0] ? errbuf : curl.easy_strerror(c));
		ret = errno_of(c);
		goto out;
	}
	curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	r->body = body.p ? body.p : strdup("");
	r->len = body.len;
	r->headers = head.p ? head.p : strdup("");
	body.p = head.p = NULL;
	if (!r->body || !r->headers)
		ret = -ENOMEM;
out:
	free(body.p);
	free(head.p);
	curl.slist_free_all(hdrs);
	curl.easy_cleanup(h);
	return ret;
}

void http_reply_free(struct http_reply *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	r->body = r->headers = NULL;
	r->len = 0;
}

char *http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

int free_tcp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Port 0: the kernel picks one nothing is bound to. */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &len))
		port = -errno;
	else
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}
