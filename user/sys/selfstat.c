// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sys/kstat.h"
#include "sys/selfstat.h"
#include "sys/util.h"

static __u64 count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	__u64 n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0;	/* the directory's own fd, open while it is read */
}

int selfstat_read(struct selfstat *s)
{
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	unsigned long long size = 0, resident = 0;
	char buf[2048];
	struct pstat st;
	struct rlimit rl;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	n = proc_read_stat(getpid(), &st);
	if (n < 0)
		return (int)n;
	n = read_text("/proc/self/statm", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -EINVAL;
	s->cpu_seconds = (double)(st.utime + st.stime) / hz;
	s->start_time = kstat_boot_time() + (double)st.starttime / hz;
	s->virtual_bytes = size * page;
	s->resident_bytes = resident * page;
	s->open_fds = count_fds();
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		s->max_fds = rl.rlim_cur;
	return 0;
}
