// SPDX-License-Identifier: GPL-2.0-or-later
/* Process helpers for tests (see spawn.h). */
#include "test-spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_run(const char *in, char *out, size_t cap, char *const argv[])
{
	int ip[2], op[2], status = -1;
	posix_spawn_file_actions_t fa;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(ip, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(op, O_CLOEXEC) < 0) {
		close(ip[0]);
		close(ip[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ip[0], 0);
	posix_spawn_file_actions_adddup2(&fa, op[1], 1);
	posix_spawn_file_actions_adddup2(&fa, op[1], 2);
	status = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(ip[0]);
	close(op[1]);
	if (status != 0) {
		close(ip[1]);
		close(op[0]);
		return -1;
	}
	if (in && write(ip[1], in, strlen(in)) != (ssize_t)strlen(in))
		status = -1;
	close(ip[1]);
	while (cap > 1 && (n = read(op[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	if (cap)
		out[got] = '\0';
	close(op[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

pid_t spawn_ready(char *const argv[], const char *log_path, char *line, size_t cap)
{
	posix_spawn_file_actions_t fa;
	int rp[2];
	ssize_t n;
	pid_t pid;

	if (pipe(rp) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, rp[1], 3);
	posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(rp[1]);
	n = pid > 0 ? read(rp[0], line, cap - 1) : -1;
	close(rp[0]);
	if (n <= 0) {
		if (pid > 0)
			spawn_stop(pid);
		return -1;
	}
	line[n] = '\0';
	return pid;
}

int spawn_stop(pid_t pid)
{
	int status = -1;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return status;
}
