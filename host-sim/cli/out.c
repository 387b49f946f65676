// SPDX-License-Identifier: GPL-2.0-or-later
#include "out.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct {
	bool json;
	bool quiet;
	bool need_comma;
	int depth; /* 0 top object, 1 in array, 2 in item */
	FILE *progress;
} out;

void out_init(bool json)
{
	memset(&out, 0, sizeof(out));
	out.json = json;
	out.progress = json ? stderr : stdout;
	if (json)
		fputc('{', stdout);
}

void out_set_quiet(bool quiet)
{
	out.quiet = quiet;
}

void out_set_progress_stream(FILE *f)
{
	out.progress = f;
}

bool out_is_json(void)
{
	return out.json;
}

void out_progress(const char *fmt, ...)
{
	FILE *f = out.progress ? out.progress : stdout;
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
}

static void json_string(const char *s)
{
	fputc('"', stdout);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			fputc(c, stdout);
	}
	fputc('"', stdout);
}

static void json_key(const char *key)
{
	if (out.need_comma)
		fputc(',', stdout);
	out.need_comma = true;
	if (key) {
		json_string(key);
		fputc(':', stdout);
	}
}

static const char *indent(void)
{
	return out.depth >= 2 ? "    " : "  ";
}

void out_str(const char *key, const char *val)
{
	if (!out.json) {
		if (!out.quiet)
			printf("%s%s: %s\n", indent(), key, val);
		return;
	}
	json_key(key);
	json_string(val);
}

void out_int(const char *key, long long val)
{
	if (!out.json) {
		if (!out.quiet)
			printf("%s%s: %lld\n", indent(), key, val);
		return;
	}
	json_key(key);
	printf("%lld", val);
}

void out_bool(const char *key, bool val)
{
	if (!out.json) {
		if (!out.quiet)
			printf("%s%s: %s\n", indent(), key, val ? "yes" : "no");
		return;
	}
	json_key(key);
	fputs(val ? "true" : "false", stdout);
}

void out_array_begin(const char *key)
{
	out.depth = 1;
	if (!out.json) {
		if (!out.quiet)
			printf("  %s:\n", key);
		return;
	}
	json_key(key);
	fputc('[', stdout);
	out.need_comma = false;
}

void out_item_begin(void)
{
	out.depth = 2;
	if (!out.json) {
		if (!out.quiet)
			printf("  -\n");
		return;
	}
	json_key(NULL);
	fputc('{', stdout);
	out.need_comma = false;
}

void out_item_end(void)
{
	out.depth = 1;
	if (out.json) {
		fputc('}', stdout);
		out.need_comma = true;
	}
}

void out_array_end(void)
{
	out.depth = 0;
	if (out.json) {
		fputc(']', stdout);
		out.need_comma = true;
	}
}

void out_error(const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (out.json) {
		int depth = out.depth;

		out.depth = 0;
		out_str("error", code);
		out_str("error_detail", msg);
		out.depth = depth;
	} else {
		fprintf(stderr, "error: %s: %s\n", code, msg);
	}
}

int out_finish(int exit_code)
{
	if (out.json) {
		out_bool("ok", exit_code == 0);
		fputs("}\n", stdout);
	}
	fflush(stdout);
	return exit_code;
}
