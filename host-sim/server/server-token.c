// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The virtual server's secure element on a token (server up --se pkcs11): a
 * SoftHSM2 token of its own in DIR/softhsm (its SOFTHSM2_CONF, token folder
 * and PIN file), and DIR/se.conf for svcport-bmcd --se-config. A server
 * folder with se.conf runs on its token from then on.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TOKEN_LABEL "svcport-sim"

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		ret = -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

bool server_token_is_used(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/se.conf", dir);
	return access(path, F_OK) == 0;
}

void server_token_paths(const char *dir, char *conf, char *softhsm_env)
{
	snprintf(conf, PATH_MAX + 16, "%s/se.conf", dir);
	snprintf(softhsm_env, PATH_MAX + 48, "SOFTHSM2_CONF=%s/softhsm/softhsm2.conf", dir);
}

/* softhsm2-util --init-token in the token's own configuration. */
static int token_init(const char *conf)
{
	char *argv[] = {SVCPORT_SOFTHSM2_UTIL,
	                "--init-token",
	                "--free",
	                "--label",
	                TOKEN_LABEL,
	                "--pin",
	                "123456",
	                "--so-pin",
	                "12345678",
	                NULL};
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		setenv("SOFTHSM2_CONF", conf, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

int server_token_make(const char *dir)
{
	char hsm[PATH_MAX + 16], path[PATH_MAX + 48], text[3 * PATH_MAX];
	int err;

	if (server_token_is_used(dir))
		return 0;
	if (access(SVCPORT_PKCS11_MODULE, R_OK) != 0 || access(SVCPORT_SOFTHSM2_UTIL, X_OK) != 0)
		return -ENOENT; /* softhsm2 not installed */
	snprintf(hsm, sizeof(hsm), "%s/softhsm", dir);
	snprintf(path, sizeof(path), "%s/tokens", hsm);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(hsm, 0700) < 0 && errno != EEXIST) || (mkdir(path, 0700) < 0 && errno != EEXIST))
		return -errno;
	snprintf(text, sizeof(text),
	         "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n"
	         "slots.removable = false\n",
	         path);
	snprintf(path, sizeof(path), "%s/softhsm2.conf", hsm);
	err = write_file(path, text, 0600);
	if (err == 0)
		err = token_init(path);
	snprintf(path, sizeof(path), "%s/pin", hsm);
	if (err == 0)
		err = write_file(path, "123456\n", 0600);
	snprintf(text, sizeof(text), "module=%s\ntoken=%s\npin-file=%s\n", SVCPORT_PKCS11_MODULE,
	         TOKEN_LABEL, path);
	snprintf(path, sizeof(path), "%s/se.conf", dir);
	if (err == 0)
		err = write_file(path, text, 0600);
	return err;
}
