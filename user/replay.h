/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `memprobe report RUN.jsonl`: a saved --json run drawn as the --report page, on stdout. */
#ifndef MEMPROBE_REPLAY_H
#define MEMPROBE_REPLAY_H

/* argv[0] is "report"; returns the exit status. */
int replay_main(int argc, char *const argv[]);

#endif /* MEMPROBE_REPLAY_H */
