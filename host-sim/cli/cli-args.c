// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli-args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1: flag, 2: takes a value, 0: unknown. */
static int spec_kind(const char *spec, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = spec; *s;) {
		size_t w = strcspn(s, " ");
		bool value = w > 0 && s[w - 1] == '=';
		size_t base = value ? w - 1 : w;

		if (base == n && strncmp(s, name, n) == 0)
			return value ? 2 : 1;
		s += w;
		while (*s == ' ')
			s++;
	}
	return 0;
}

int cli_args_parse(struct cli_args *a, int argc, char **argv, const char *spec)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *name;
		const char *eq;
		char buf[64];
		int kind;

		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (a->npos == CLI_POS_MAX) {
				fprintf(stderr, "too many arguments\n");
				return -EINVAL;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		snprintf(buf, sizeof(buf), "%.*s", eq ? (int)(eq - name) : (int)strlen(name), name);
		if (strcmp(buf, "help") == 0) {
			a->help = true;
			continue;
		}
		if (strcmp(buf, "json") == 0) {
			a->json = true;
			continue;
		}
		if (strcmp(buf, "quiet") == 0) {
			a->quiet = true;
			continue;
		}
		kind = spec_kind(spec, buf);
		if (kind == 0) {
			fprintf(stderr, "unknown option --%s (see --help)\n", buf);
			return -EINVAL;
		}
		if (a->n == CLI_ARGS_MAX) {
			fprintf(stderr, "too many options\n");
			return -EINVAL;
		}
		a->key[a->n] = name;
		a->val[a->n] = NULL;
		if (kind == 2) {
			if (eq) {
				a->val[a->n] = eq + 1;
			} else if (i + 1 < argc) {
				a->val[a->n] = argv[++i];
			} else {
				fprintf(stderr, "option --%s needs a value\n", buf);
				return -EINVAL;
			}
		} else if (eq) {
			fprintf(stderr, "option --%s takes no value\n", buf);
			return -EINVAL;
		}
		a->n++;
	}
	return 0;
}

static bool is_key(const char *stored, const char *key)
{
	size_t n = strlen(key);

	return strncmp(stored, key, n) == 0 && (stored[n] == '\0' || stored[n] == '=');
}

const char *cli_arg(const struct cli_args *a, const char *key, const char *def)
{
	for (int i = a->n - 1; i >= 0; i--)
		if (a->val[i] && is_key(a->key[i], key))
			return a->val[i];
	return def;
}

bool cli_flag(const struct cli_args *a, const char *key)
{
	for (int i = 0; i < a->n; i++)
		if (!a->val[i] && is_key(a->key[i], key))
			return true;
	return false;
}

int cli_arg_long(const struct cli_args *a, const char *key, long def, long *ret)
{
	const char *v = cli_arg(a, key, NULL);
	char *end = NULL;
	long x;

	if (!v) {
		*ret = def;
		return 0;
	}
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end) {
		fprintf(stderr, "--%s wants a number, not '%s'\n", key, v);
		return -EINVAL;
	}
	*ret = x;
	return 0;
}

static int on_off(const char *v, bool *ret)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*ret = true;
	else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int cli_sensors_parse(const char *spec, svcport_v1_SensorSettings *s)
{
	char buf[128];
	char *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return -EINVAL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, '=');
		char *end = NULL;
		int err = 0;

		if (!v)
			return -EINVAL;
		*v++ = '\0';
		if (strcmp(tok, "intrusion") == 0) {
			err = on_off(v, &s->intrusion_enabled);
		} else if (strcmp(tok, "motion") == 0) {
			err = on_off(v, &s->motion_enabled);
		} else if (strcmp(tok, "steps") == 0) {
			unsigned long n = strtoul(v, &end, 10);

			if (end == v || *end || n > 1000000)
				return -EINVAL;
			s->motion_step_threshold = (uint32_t)n;
		} else {
			return -EINVAL;
		}
		if (err < 0)
			return err;
	}
	return 0;
}
