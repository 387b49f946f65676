// SPDX-License-Identifier: GPL-2.0-or-later
/* One test's folder for a real svcport-bmcd (procworld.h). */
#include "procworld.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "testpki.h"

static void leaf(char *out, const char *dir, const char *name)
{
	snprintf(out, PATH_MAX + 16, "%s/%s", dir, name);
}

int proc_world_make(struct proc_world *w, const char *name)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(w->dir, sizeof(w->dir), "%s/svcport-%s-XXXXXX", tmp, name);
	if (!mkdtemp(w->dir))
		return -1;
	leaf(w->factory, w->dir, "factory");
	leaf(w->state, w->dir, "state");
	leaf(w->gw, w->dir, "gw.sock");
	leaf(w->admin, w->dir, "admin.sock");
	leaf(w->host, w->dir, "host.sock");
	leaf(w->log, w->dir, "bmcd.log");
	return 0;
}

int proc_world_init(const struct proc_world *w, const char *control)
{
	char out[512];
	const char *argv[] = {proc_bmcd(),   "--init", "--factory", w->factory,
	                      "--state-dir", w->state, "--force",   NULL};

	if (tpki_write_factory(w->factory, control, false) < 0)
		return -1;
	return proc_run(argv, out, sizeof(out)) == 0 ? 0 : -1;
}

int proc_world_remove(const struct proc_world *w)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	return system(cmd) == 0 ? 0 : -1;
}

int proc_ctl(const struct proc_world *w, char *out, size_t cap, const char *const *args)
{
	const char *argv[16] = {proc_bmcctl(), "--admin-socket", w->admin};
	int n = 3;

	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return proc_run(argv, out, cap);
}

long proc_slurp(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -1;
	while (got < cap && (n = read(fd, (char *)buf + got, cap - got)) > 0)
		got += (size_t)n;
	close(fd);
	return n < 0 ? -1 : (long)got;
}

bool proc_file_has(const char *path, const char *what)
{
	static char buf[65536];
	long n = proc_slurp(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}
