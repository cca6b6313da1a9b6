/*
 * microscope-dumper: drains the collector rings of NF processes into
 * record files (docs/record-format.md, docs/collector.md).
 *
 * One block per producer ring at a time, so timestamps never decrease
 * within a block.  Killing the dumper never disturbs an NF: the NF only
 * sees its ring fill up (and counts drops).  A restarted dumper re-attaches
 * at the tail the previous one published; records it had consumed but not
 * yet written are reported as dropped.  SIGTERM/SIGINT: drain, write and
 * close everything, then exit.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "drain.h"
#include "output.h"

#define LOG(...) fprintf(stderr, "microscope-dumper: " __VA_ARGS__)

struct source {
	struct source *next;
	char shm_name[300];
	struct msc_ring_map map;
	struct msr_block blk;
	struct msc_group *group;
	uint64_t tail, pending_b, pending_p, lost_b, lost_p;
	uint64_t blk_since_ns;
};

static volatile sig_atomic_t g_stop;
static struct msc_config g_cfg;
static const char *g_out_override, *g_nf_filter;
static struct source *g_sources;
static struct msc_group *g_groups;
static struct msc_buf g_out;
static int g_discard;
static uint64_t g_discarded;

static void on_signal(int sig) { (void)sig; g_stop = 1; }

static int shift_of(const struct source *s)
{
	return msc_tsc_shift(s->map.hdr->tsc_hz, g_cfg.tsc_shift);
}

/* Write the source's block (even an empty one when drops are unreported). */
static int flush_source(struct source *s)
{
	struct msc_ring_hdr *h = s->map.hdr;
	uint64_t db = __atomic_load_n(&h->dropped_bursts, __ATOMIC_RELAXED);
	uint64_t dp = __atomic_load_n(&h->dropped_packets, __ATOMIC_RELAXED);
	uint64_t nb = db - h->reported_dropped_bursts + s->lost_b;
	uint64_t np = dp - h->reported_dropped_packets + s->lost_p;
	struct msc_group *g = s->group;

	if (g_discard || (s->blk.nb == 0 && nb == 0 && np == 0))
		return 0;
	g->bursts += s->blk.nb;
	g->packets += s->blk.np;
	g->dropped_bursts += nb;
	g->dropped_packets += np;
	g_out.n = 0;
	if (msr_block_flush(&s->blk, np > UINT32_MAX ? UINT32_MAX : (uint32_t)np,
			    nb > UINT32_MAX ? UINT32_MAX : (uint32_t)nb,
			    g_cfg.zlib_level, &g_out) != 0 ||
	    msc_group_write(g, &g_out, &g_cfg, msc_now_ns()) != 0)
		return -1;
	h->reported_dropped_bursts = db;
	h->reported_dropped_packets = dp;
	s->lost_b = s->lost_p = 0;
	s->pending_b = s->pending_p = 0;
	h->pending_bursts = h->pending_packets = 0;
	return 0;
}

static uint64_t drain(struct source *s)
{
	struct msc_ring_hdr *h = s->map.hdr;
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	uint64_t tail = s->tail, n = 0;
	int shift = shift_of(s);
	struct msc_rec_view v;

	while (tail < head) {
		int64_t size = msc_rec_parse(s->map.data + (tail & s->map.mask),
					     head - tail, &v);
		if (size < 0 || head - tail > s->map.size) {
			LOG("%s: malformed record at %llu, skipping to %llu\n",
			    s->shm_name, (unsigned long long)tail,
			    (unsigned long long)head);
			s->lost_b++;
			tail = head;
			break;
		}
		if (s->blk.nb == 0)
			s->blk_since_ns = msc_now_ns();
		if (msr_block_begin_burst(&s->blk, v.tsc >> shift, v.port,
					  v.queue, v.tx, v.count, v.max_pkts)) {
			flush_source(s);
			s->blk_since_ns = msc_now_ns();
			msr_block_begin_burst(&s->blk, v.tsc >> shift, v.port,
					      v.queue, v.tx, v.count, v.max_pkts);
		}
		msc_rec_add_packets(&s->blk, &v);
		s->pending_b++;
		s->pending_p += v.count;
		tail += (uint64_t)size;
		n++;
	}
	h->pending_bursts = s->pending_b;
	h->pending_packets = s->pending_p;
	s->tail = tail;
	__atomic_store_n(&h->tail, tail, __ATOMIC_RELEASE);
	return n;
}

/* Benchmark aid: release everything unread, write nothing.  Measures the
 * datapath cost of the shim without a consumer's CPU use. */
static uint64_t discard(struct source *s)
{
	uint64_t head = __atomic_load_n(&s->map.hdr->head, __ATOMIC_ACQUIRE);
	uint64_t n = head != s->tail;

	g_discarded += head - s->tail;
	s->tail = head;
	__atomic_store_n(&s->map.hdr->tail, head, __ATOMIC_RELEASE);
	return n;
}

static void attach(const char *name)
{
	struct source *s;
	struct msc_ring_hdr *h;

	for (s = g_sources; s; s = s->next)
		if (strcmp(s->shm_name, name) == 0)
			return;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return;
	snprintf(s->shm_name, sizeof(s->shm_name), "%s", name);
	if (msc_ring_open(name, &s->map) != 0)
		goto fail;
	if (flock(s->map.fd, LOCK_EX | LOCK_NB) != 0)   /* another dumper's */
		goto fail_map;
	h = s->map.hdr;
	h->nf_name[MSC_NAME_MAX] = h->host[MSC_NAME_MAX] = '\0';
	h->out_dir[MSC_PATH_MAX - 1] = '\0';
	if (g_nf_filter && strcmp(g_nf_filter, h->nf_name) != 0)
		goto fail_map;
	if (msr_block_init(&s->blk, g_cfg.block_packets) != 0)
		goto fail_map;
	s->group = msc_group_get(&g_groups, h, g_out_override, shift_of(s));
	if (s->group == NULL)
		goto fail_blk;
	s->group->sources++;
	s->tail = __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE);
	/* consumed by a dumper that died before writing them */
	s->lost_b = h->pending_bursts;
	s->lost_p = h->pending_packets;
	h->pending_bursts = h->pending_packets = 0;
	LOG("attached %s (NF '%s', pid %d, %llu-byte ring)\n", name + 1,
	    h->nf_name, h->pid, (unsigned long long)s->map.size);
	s->next = g_sources;
	g_sources = s;
	return;
fail_blk:
	msr_block_free(&s->blk);
fail_map:
	msc_ring_unmap(&s->map);
fail:
	free(s);
}

static void scan(void)
{
	char name[300];
	size_t lp = strlen(g_cfg.shm_prefix);
	struct dirent *e;
	DIR *d = opendir("/dev/shm");

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, g_cfg.shm_prefix, lp) != 0 ||
		    e->d_name[lp] != '.')
			continue;
		snprintf(name, sizeof(name), "/%s", e->d_name);
		attach(name);
	}
	closedir(d);
}

/* The NF closed the ring, or (checked at scan time only: it reads /proc)
 * its process is gone. */
static int producer_gone(const struct source *s, int check_pid)
{
	const struct msc_ring_hdr *h = s->map.hdr;

	return __atomic_load_n(&h->closed, __ATOMIC_ACQUIRE) ||
	       (check_pid && msc_pid_start(h->pid) != h->pid_start);
}

/* Detach a source; unlink its ring when the NF is gone and it is empty. */
static void detach(struct source **link, int unlink_ring)
{
	struct source *s = *link;

	flush_source(s);
	if (--s->group->sources == 0 && unlink_ring)
		msc_group_close(s->group);
	if (unlink_ring) {
		shm_unlink(s->shm_name);
		LOG("finished %s\n", s->shm_name + 1);
	}
	*link = s->next;
	msr_block_free(&s->blk);
	msc_ring_unmap(&s->map);
	free(s);
}

static void summary(void)
{
	struct msc_group *g;

	if (g_discard)
		LOG("discarded %llu ring bytes\n", (unsigned long long)g_discarded);
	for (g = g_groups; g; g = g->next)
		LOG("NF '%s' pid %d: %llu bursts, %llu packet records, "
		    "%llu packets and %llu bursts dropped, %llu files\n",
		    g->nf_name, g->pid, (unsigned long long)g->bursts,
		    (unsigned long long)g->packets,
		    (unsigned long long)g->dropped_packets,
		    (unsigned long long)g->dropped_bursts,
		    (unsigned long long)g->files);
}

static int run(int once)
{
	uint64_t last_scan = 0;

	for (;;) {
		uint64_t now = msc_now_ns(), moved = 0;
		struct source **link, *s;
		int stop = g_stop, scanning = 0;

		if (stop || now - last_scan >= 100000000ull) {
			scan();
			last_scan = now;
			scanning = 1;
		}
		for (s = g_sources; s; s = s->next)
			moved += g_discard ? discard(s) : drain(s);
		for (link = &g_sources; (s = *link) != NULL;) {
			if (producer_gone(s, scanning) && s->tail ==
			    __atomic_load_n(&s->map.hdr->head, __ATOMIC_ACQUIRE)) {
				detach(link, 1);
				continue;
			}
			if (stop || (s->blk.nb && now - s->blk_since_ns >=
				     g_cfg.flush_ms * 1000000ull))
				flush_source(s);
			link = &s->next;
		}
		if (stop || (once && moved == 0)) {
			while (g_sources)
				detach(&g_sources, 0);
			for (struct msc_group *g = g_groups; g; g = g->next)
				msc_group_close(g);
			summary();
			return 0;
		}
		if (moved == 0)
			usleep(g_cfg.poll_us);
	}
}

/* Offline: ring records from a file -> one record file (format tests). */
static int convert(const char *in, const char *out, uint64_t tsc_hz,
		   uint32_t flags)
{
	struct msr_file_header fh = { g_cfg.nf_name, "", 0, 0, 0, flags, 0 };
	struct msr_block blk;
	struct msc_rec_view v;
	struct msc_buf data = { 0 };
	uint8_t chunk[65536];
	uint64_t off = 0;
	int shift = msc_tsc_shift(tsc_hz, g_cfg.tsc_shift);
	size_t n;
	FILE *fi = fopen(in, "rb"), *fo;

	if (fi == NULL)
		return perror(in), 1;
	while ((n = fread(chunk, 1, sizeof(chunk), fi)) > 0) {
		data.p = realloc(data.p, data.n + n);
		memcpy(data.p + data.n, chunk, n);
		data.n += n;
	}
	fclose(fi);
	fh.tsc_hz = tsc_hz >> shift;
	fh.role = (uint8_t)g_cfg.role;
	if (msr_pack_header(&fh, &g_out) != 0 ||
	    msr_block_init(&blk, g_cfg.block_packets) != 0)
		return 1;
	while (off < data.n) {
		int64_t size = msc_rec_parse(data.p + off, data.n - off, &v);

		if (size < 0)
			return LOG("%s: bad record at byte %llu\n", in,
				   (unsigned long long)off), 1;
		if (msr_block_begin_burst(&blk, v.tsc >> shift, v.port, v.queue,
					  v.tx, v.count, v.max_pkts)) {
			msr_block_flush(&blk, 0, 0, g_cfg.zlib_level, &g_out);
			msr_block_begin_burst(&blk, v.tsc >> shift, v.port,
					      v.queue, v.tx, v.count, v.max_pkts);
		}
		msc_rec_add_packets(&blk, &v);
		off += (uint64_t)size;
	}
	if (blk.nb)
		msr_block_flush(&blk, 0, 0, g_cfg.zlib_level, &g_out);
	fo = fopen(out, "wb");
	if (fo == NULL || fwrite(g_out.p, 1, g_out.n, fo) != g_out.n ||
	    fclose(fo) != 0)
		return perror(out), 1;
	msr_block_free(&blk);
	free(data.p);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
"usage: microscope-dumper [--out-dir DIR] [--nf NAME] [--once] [KEY=VALUE...]\n"
"       microscope-dumper --discard [KEY=VALUE...]   (benchmarks: drop all)\n"
"       microscope-dumper --convert RINGFILE OUT.msr --tsc-hz HZ [KEY=VALUE...]\n"
"Drains /dev/shm/<shm_prefix>.* collector rings into record files.\n"
"KEY=VALUE sets any configuration key (see docs/collector.md), e.g.\n"
"  shm_prefix=microscope tsc_shift=auto rotate_mb=256 rotate_s=0\n"
"  block_packets=65536 flush_ms=1000 poll_us=1000 zlib_level=1\n"
"--out-dir overrides the directory each NF configured (out_dir).\n");
}

int main(int argc, char **argv)
{
	const char *conv_in = NULL, *conv_out = NULL;
	char err[1024];
	uint64_t tsc_hz = 0;
	int i, once = 0;
	struct sigaction sa;

	if (msc_config_load(&g_cfg, err, sizeof(err)) > 0)
		LOG("configuration: %s\n", err);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *eq = strchr(a, '=');

		if (!strcmp(a, "--out-dir") && i + 1 < argc) {
			g_out_override = argv[++i];
		} else if (!strcmp(a, "--nf") && i + 1 < argc) {
			g_nf_filter = argv[++i];
		} else if (!strcmp(a, "--discard")) {
			g_discard = 1;
		} else if (!strcmp(a, "--once")) {
			once = 1;
		} else if (!strcmp(a, "--convert") && i + 2 < argc) {
			conv_in = argv[++i];
			conv_out = argv[++i];
		} else if (!strcmp(a, "--tsc-hz") && i + 1 < argc) {
			tsc_hz = strtoull(argv[++i], NULL, 0);
		} else if (a[0] != '-' && eq != NULL) {
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - a), a);
			if (msc_config_set(&g_cfg, key, eq + 1) != 0) {
				LOG("bad setting %s\n", a);
				return 2;
			}
		} else {
			usage();
			return !strcmp(a, "--help") ? 0 : 2;
		}
	}
	if (conv_in)
		return tsc_hz ? convert(conv_in, conv_out, tsc_hz, g_cfg.tuples)
			      : (usage(), 2);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	return run(once);
}
