/*
 * Record files of one NF process ("group"): <out_dir>/<nf>-<pid>-<seq>.msr.
 * Written under <name>.part and renamed into place when closed, rotated by
 * size and age, and recovered (cut to the last complete block, renamed)
 * when a dumper finds the .part files a killed dumper left behind.
 */
#ifndef MICROSCOPE_OUTPUT_H
#define MICROSCOPE_OUTPUT_H

#include <stdint.h>

#include "config.h"
#include "record_format.h"
#include "ring.h"

struct msc_group {
	struct msc_group *next;
	int pid;
	uint64_t pid_start;
	char nf_name[MSC_NAME_MAX + 1];
	char host[MSC_NAME_MAX + 1];
	char out_dir[MSC_PATH_MAX];
	char base[MSC_NAME_MAX + 32];      /* <nf>-<pid> */
	char path[MSC_PATH_MAX + 320];
	struct msr_file_header hdr;
	uint64_t anchor_tsc_raw;           /* the shim's anchor, unshifted */
	int tsc_shift;
	int fd;
	unsigned seq;
	uint64_t bytes, opened_ns;
	int sources;                       /* rings attached to this group */
	/* totals for the summary */
	uint64_t files, bursts, packets, dropped_packets, dropped_bursts;
};

/* Find or create the group of a ring (out_dir: an override or NULL). */
struct msc_group *msc_group_get(struct msc_group **list,
				const struct msc_ring_hdr *h,
				const char *out_dir, int tsc_shift);

/* Append one encoded block, opening or rotating the file as configured. */
int msc_group_write(struct msc_group *g, const struct msc_buf *block,
		    const struct msc_config *cfg, uint64_t now_ns);

/* Close the current file (rename .part into place). */
void msc_group_close(struct msc_group *g);

/* Recover <dir>/<base>-*.msr.part left by a killed dumper. */
void msc_recover_partials(const char *dir, const char *base);

uint64_t msc_now_ns(void);

#endif
