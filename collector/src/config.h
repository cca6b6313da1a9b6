/*
 * Collector configuration: environment variables MICROSCOPE_<KEY>, or the
 * same keys (lower case) in the file named by MICROSCOPE_CONFIG
 * ("key = value" lines, '#' comments).  The environment wins over the file.
 */
#ifndef MICROSCOPE_CONFIG_H
#define MICROSCOPE_CONFIG_H

#include <stdint.h>

#include "ring.h"

struct msc_config {
	char nf_name[MSC_NAME_MAX + 1];   /* nf_name     default: program name */
	char out_dir[MSC_PATH_MAX];       /* out_dir     default: /var/tmp/microscope */
	char shm_prefix[64];              /* shm_prefix  default: microscope */
	uint64_t ring_size;               /* ring_size   bytes per ring, 1M */
	uint32_t tuples;                  /* tuples      off|rx|tx|both */
	int role;                         /* role        nf|source */
	int disable;                      /* disable     1 = shim does nothing */
	/* dumper */
	int tsc_shift;                    /* tsc_shift   -1 = auto (~16 ns ticks) */
	uint64_t rotate_bytes;            /* rotate_mb   256 */
	uint32_t rotate_seconds;          /* rotate_s    0 = never */
	uint32_t block_packets;           /* block_packets 65536 */
	uint32_t flush_ms;                /* flush_ms    1000: oldest unwritten record */
	uint32_t poll_us;                 /* poll_us     1000 */
	int zlib_level;                   /* zlib_level  1 (0 = store raw) */
};

/* Defaults, then the config file, then the environment.  Errors (bad
 * values, unreadable file) are appended to err and the default is kept;
 * returns the number of errors. */
int msc_config_load(struct msc_config *c, char *err, int err_len);

/* Apply one "key", "value" pair (shared by file, env and dumper options). */
int msc_config_set(struct msc_config *c, const char *key, const char *value);

#endif
