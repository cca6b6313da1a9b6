/* Collector configuration from a file and the environment (config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const KEYS[] = {
	"nf_name", "out_dir", "shm_prefix", "ring_size", "tuples", "role",
	"disable", "tsc_shift", "rotate_mb", "rotate_s", "block_packets",
	"flush_ms", "poll_us", "zlib_level", NULL,
};

static int parse_u64(const char *v, uint64_t *out, int suffixes)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno || end == v || *v == '-')
		return -1;
	if (suffixes && (*end == 'k' || *end == 'K'))
		x <<= 10, end++;
	else if (suffixes && (*end == 'm' || *end == 'M'))
		x <<= 20, end++;
	else if (suffixes && (*end == 'g' || *end == 'G'))
		x <<= 30, end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = x;
	return 0;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src);
}

int msc_config_set(struct msc_config *c, const char *key, const char *v)
{
	uint64_t x;

	if (!strcmp(key, "nf_name")) {
		if (*v == '\0' || strlen(v) > MSC_NAME_MAX)
			return -1;
		copy(c->nf_name, sizeof(c->nf_name), v);
	} else if (!strcmp(key, "out_dir")) {
		if (*v == '\0' || strlen(v) >= sizeof(c->out_dir))
			return -1;
		copy(c->out_dir, sizeof(c->out_dir), v);
	} else if (!strcmp(key, "shm_prefix")) {
		if (*v == '\0' || strlen(v) >= sizeof(c->shm_prefix) ||
		    strchr(v, '/') || strchr(v, '.'))
			return -1;
		copy(c->shm_prefix, sizeof(c->shm_prefix), v);
	} else if (!strcmp(key, "ring_size")) {
		if (parse_u64(v, &x, 1) || x == 0 || x > MSC_RING_MAX_SIZE)
			return -1;
		c->ring_size = msc_ring_round_size(x);
	} else if (!strcmp(key, "tuples")) {
		if (!strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "no"))
			c->tuples = 0;
		else if (!strcasecmp(v, "rx"))
			c->tuples = MSC_FLAG_TUPLES_RX;
		else if (!strcasecmp(v, "tx"))
			c->tuples = MSC_FLAG_TUPLES_TX;
		else if (!strcasecmp(v, "both") || !strcasecmp(v, "on") ||
			 !strcmp(v, "1") || !strcasecmp(v, "yes"))
			c->tuples = MSC_FLAG_TUPLES_RX | MSC_FLAG_TUPLES_TX;
		else
			return -1;
	} else if (!strcmp(key, "role")) {
		if (!strcasecmp(v, "nf") || !strcmp(v, "0"))
			c->role = 0;
		else if (!strcasecmp(v, "source") || !strcmp(v, "1"))
			c->role = 1;
		else
			return -1;
	} else if (!strcmp(key, "disable")) {
		if (parse_u64(v, &x, 0) || x > 1)
			return -1;
		c->disable = (int)x;
	} else if (!strcmp(key, "tsc_shift")) {
		if (!strcasecmp(v, "auto")) {
			c->tsc_shift = -1;
			return 0;
		}
		if (parse_u64(v, &x, 0) || x > 32)
			return -1;
		c->tsc_shift = (int)x;
	} else if (!strcmp(key, "rotate_mb")) {
		if (parse_u64(v, &x, 0) || x == 0 || x > (1u << 20))
			return -1;
		c->rotate_bytes = x << 20;
	} else if (!strcmp(key, "rotate_s")) {
		if (parse_u64(v, &x, 0) || x > 86400 * 365)
			return -1;
		c->rotate_seconds = (uint32_t)x;
	} else if (!strcmp(key, "block_packets")) {
		if (parse_u64(v, &x, 1) || x < 64 || x > (16u << 20))
			return -1;
		c->block_packets = (uint32_t)x;
	} else if (!strcmp(key, "flush_ms")) {
		if (parse_u64(v, &x, 0) || x == 0 || x > 3600000)
			return -1;
		c->flush_ms = (uint32_t)x;
	} else if (!strcmp(key, "poll_us")) {
		if (parse_u64(v, &x, 0) || x == 0 || x > 1000000)
			return -1;
		c->poll_us = (uint32_t)x;
	} else if (!strcmp(key, "zlib_level")) {
		if (parse_u64(v, &x, 0) || x > 9)
			return -1;
		c->zlib_level = (int)x;
	} else {
		return -2;
	}
	return 0;
}

static void note(char *err, int err_len, int *n, const char *fmt,
		 const char *a, const char *b)
{
	size_t used = err ? strlen(err) : 0;

	(*n)++;
	if (err && (int)used < err_len - 1)
		snprintf(err + used, (size_t)err_len - used, fmt, a, b);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void load_file(struct msc_config *c, const char *path, char *err,
		      int err_len, int *n)
{
	char line[2048];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		note(err, err_len, n, "cannot read config file %s: %s; ", path,
		     strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *eq, *k, *v;

		if (hash)
			*hash = '\0';
		k = trim(line);
		if (*k == '\0' || *k == '[')     /* allow an ini section line */
			continue;
		eq = strchr(k, '=');
		if (eq == NULL) {
			note(err, err_len, n, "%s: line without '=': %s; ", path, k);
			continue;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (msc_config_set(c, k, v) != 0)
			note(err, err_len, n, "bad config entry %s = %s; ", k, v);
	}
	fclose(f);
}

int msc_config_load(struct msc_config *c, char *err, int err_len)
{
	char name[64];
	const char *path;
	int n = 0, i;

	memset(c, 0, sizeof(*c));
	if (err && err_len > 0)
		err[0] = '\0';
	copy(c->nf_name, sizeof(c->nf_name), program_invocation_short_name);
	copy(c->out_dir, sizeof(c->out_dir), "/var/tmp/microscope");
	copy(c->shm_prefix, sizeof(c->shm_prefix), "microscope");
	c->ring_size = 1u << 20;
	c->tsc_shift = -1;
	c->rotate_bytes = 256ull << 20;
	c->block_packets = 65536;
	c->flush_ms = 1000;
	c->poll_us = 1000;
	c->zlib_level = 1;
	path = getenv("MICROSCOPE_CONFIG");
	if (path && *path)
		load_file(c, path, err, err_len, &n);
	for (i = 0; KEYS[i]; i++) {
		const char *v;
		int j;

		snprintf(name, sizeof(name), "MICROSCOPE_%s", KEYS[i]);
		for (j = 0; name[j]; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		v = getenv(name);
		if (v && msc_config_set(c, KEYS[i], v) != 0)
			note(err, err_len, &n, "bad value %s=%s; ", name, v);
	}
	return n;
}
