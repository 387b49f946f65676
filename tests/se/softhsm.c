// SPDX-License-Identifier: GPL-2.0-or-later
#include "softhsm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX - 64], conf_path[PATH_MAX];
static struct se_config cfg;
static bool made;

static void die(const char *what)
{
	fprintf(stderr, "softhsm: %s\n", what);
	abort();
}

bool tsofthsm_is_selected(void)
{
	const char *s = getenv("SVCPORT_TEST_SE");

	return s && strcmp(s, "pkcs11") == 0;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0)
		die(path);
}

static void remove_dir(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (made && system(cmd) != 0)
		fprintf(stderr, "softhsm: could not remove %s\n", dir);
}

/* softhsm2-util --init-token, its output to /dev/null. */
static void init_token(const char *util)
{
	const char *argv[] = {util,    "--init-token", "--free",   "--label",  TSOFTHSM_LABEL,
	                      "--pin", TSOFTHSM_PIN,   "--so-pin", "13579135", NULL};
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 1);
		execv(util, (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("softhsm2-util --init-token failed");
}

const struct se_config *tsofthsm_get(const char **ret_conf_path)
{
	const char *module = getenv("SVCPORT_PKCS11_MODULE");
	const char *util = getenv("SVCPORT_SOFTHSM2_UTIL");
	char text[2 * PATH_MAX + 128];

	if (!made) {
		if (!module || !util)
			die("SVCPORT_PKCS11_MODULE and SVCPORT_SOFTHSM2_UTIL must be set (ctest "
			    "does)");
		snprintf(dir, sizeof(dir), "%s/svcport-softhsm-XXXXXX",
		         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			die("mkdtemp");
		made = true;
		atexit(remove_dir);
		snprintf(text, sizeof(text), "%s/tokens", dir);
		if (mkdir(text, 0700) < 0)
			die("mkdir tokens");
		snprintf(text, sizeof(text),
		         "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
		         "log.level = ERROR\nslots.removable = false\n",
		         dir);
		write_file("softhsm2.conf", text, 0600);
		snprintf(text, sizeof(text), "%s/softhsm2.conf", dir);
		/* Before the module's C_Initialize here, and inherited by bmcd. */
		setenv("SOFTHSM2_CONF", text, 1);
		init_token(util);
		write_file("pin", TSOFTHSM_PIN "\n", 0600);
		snprintf(cfg.module, sizeof(cfg.module), "%s", module);
		snprintf(cfg.token, sizeof(cfg.token), "%s", TSOFTHSM_LABEL);
		snprintf(cfg.pin_file, sizeof(cfg.pin_file), "%s/pin", dir);
		snprintf(text, sizeof(text),
		         "# svcport-bmcd --se-config\nmodule=%s\ntoken=%s\npin-file=%s\n",
		         cfg.module, cfg.token, cfg.pin_file);
		write_file("se.conf", text, 0600);
		snprintf(conf_path, sizeof(conf_path), "%s/se.conf", dir);
	}
	if (ret_conf_path)
		*ret_conf_path = conf_path;
	return &cfg;
}

const char *tsofthsm_dir(void)
{
	return made ? dir : NULL;
}
