/* Record files of one NF process (output.h). */
#include "output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define MSC_HAVE_RDTSC 1
#endif

#define LOG(...) fprintf(stderr, "microscope-dumper: " __VA_ARGS__)

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int64_t msr_valid_prefix(int fd)
{
	uint8_t head[MSR_BLOCK_HEADER], *buf = NULL;
	struct stat st;
	int64_t off, good = 0;
	uint32_t hsize, psize, crc;

	if (fstat(fd, &st) != 0 || st.st_size < MSR_HEADER_FIXED ||
	    pread(fd, head, MSR_HEADER_FIXED, 0) != MSR_HEADER_FIXED ||
	    memcmp(head, "MSCOPREC", 8) != 0)
		return 0;
	hsize = head[10] | (uint32_t)head[11] << 8;
	if (hsize < MSR_HEADER_FIXED + 8 || hsize > st.st_size)
		return 0;
	good = off = hsize;
	while (off + MSR_BLOCK_HEADER <= st.st_size) {
		if (pread(fd, head, MSR_BLOCK_HEADER, off) != MSR_BLOCK_HEADER ||
		    memcmp(head, "MSBK", 4) != 0)
			break;
		psize = rd32(head + 4);
		if (psize > MSR_MAX_PAYLOAD ||
		    off + MSR_BLOCK_HEADER + psize > st.st_size)
			break;
		free(buf);
		buf = malloc(psize ? psize : 1);
		if (buf == NULL ||
		    pread(fd, buf, psize, off + MSR_BLOCK_HEADER) != (ssize_t)psize)
			break;
		crc = (uint32_t)crc32(crc32(0, head, 52), buf, psize);
		if (crc != rd32(head + 52))
			break;
		off += MSR_BLOCK_HEADER + psize;
		good = off;
	}
	free(buf);
	return good;
}

uint64_t msc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int mkdirs(const char *dir)
{
	char tmp[MSC_PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return (mkdir(tmp, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

struct msc_group *msc_group_get(struct msc_group **list,
				const struct msc_ring_hdr *h,
				const char *out_dir, int tsc_shift)
{
	char nf[MSC_NAME_MAX + 1];
	struct msc_group *g;

	for (g = *list; g; g = g->next)
		if (g->pid == h->pid && g->pid_start == h->pid_start &&
		    strncmp(g->nf_name, h->nf_name, sizeof(g->nf_name)) == 0)
			return g;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->pid = h->pid;
	g->pid_start = h->pid_start;
	g->fd = -1;
	memcpy(g->nf_name, h->nf_name, sizeof(g->nf_name));
	g->nf_name[MSC_NAME_MAX] = '\0';
	memcpy(g->host, h->host, sizeof(g->host));
	g->host[MSC_NAME_MAX] = '\0';
	snprintf(g->out_dir, sizeof(g->out_dir), "%s",
		 out_dir ? out_dir : h->out_dir);
	msc_sanitize(nf, sizeof(nf), g->nf_name);
	snprintf(g->base, sizeof(g->base), "%s-%d", nf, g->pid);
	g->hdr.nf_name = g->nf_name;
	g->hdr.host = g->host;
	g->hdr.tsc_hz = h->tsc_hz >> tsc_shift;
	g->hdr.anchor_tsc = h->anchor_tsc >> tsc_shift;
	g->anchor_tsc_raw = h->anchor_tsc;
	g->tsc_shift = tsc_shift;
	g->hdr.anchor_unix_ns = h->anchor_unix_ns;
	g->hdr.flags = h->flags;
	g->hdr.role = h->role;
	if (g->hdr.tsc_hz == 0)
		g->hdr.tsc_hz = 1;
	msc_recover_partials(g->out_dir, g->base);
	g->next = *list;
	*list = g;
	return g;
}

static int open_next(struct msc_group *g, uint64_t now_ns)
{
	char part[sizeof(g->path) + 8];
	struct msc_buf head = { 0 };
	struct stat st;

	if (mkdirs(g->out_dir) != 0) {
		LOG("cannot create %s: %s\n", g->out_dir, strerror(errno));
		return -1;
	}
	for (;; g->seq++) {
		snprintf(g->path, sizeof(g->path), "%s/%s-%04u.msr", g->out_dir,
			 g->base, g->seq);
		snprintf(part, sizeof(part), "%s.part", g->path);
		if (stat(g->path, &st) != 0 && stat(part, &st) != 0)
			break;
	}
	g->seq++;
	g->fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (g->fd < 0) {
		LOG("cannot create %s: %s\n", part, strerror(errno));
		return -1;
	}
	if (msr_pack_header(&g->hdr, &head) != 0 ||
	    write(g->fd, head.p, head.n) != (ssize_t)head.n) {
		LOG("cannot write the header of %s\n", part);
		msc_buf_free(&head);
		close(g->fd);
		unlink(part);
		g->fd = -1;
		return -1;
	}
	g->bytes = head.n;
	g->opened_ns = now_ns;
	g->files++;
	msc_buf_free(&head);
	return 0;
}

/*
 * rte_get_tsc_hz() is often the nominal frequency, off by a few 0.1 %:
 * 0.2 % is 2 ms after one second, enough to misalign two NFs on one time
 * line.  Before a file is closed, its header's tsc_hz is recalibrated from
 * the shim's anchor (taken when the NF started) and a TSC/CLOCK_REALTIME
 * pair read now, then the header is rewritten in place (same size).
 */
static void calibrate_header(struct msc_group *g)
{
#ifdef MSC_HAVE_RDTSC
	struct timespec ts;
	struct msc_buf head = { 0 };
	uint64_t t0, t1, now_tsc;
	int64_t now_ns, dns;
	long double hz;

	t0 = __rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	t1 = __rdtsc();
	now_tsc = t0 + (t1 - t0) / 2;
	now_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	dns = now_ns - g->hdr.anchor_unix_ns;
	if (dns < 50000000LL || now_tsc <= g->anchor_tsc_raw)
		return;         /* too short to improve on the nominal rate */
	hz = (long double)(now_tsc - g->anchor_tsc_raw) * 1e9L / (long double)dns;
	if (hz < 1e6L)
		return;
	g->hdr.tsc_hz = (uint64_t)(hz / (long double)(1ull << g->tsc_shift) + 0.5L);
	if (msr_pack_header(&g->hdr, &head) == 0 &&
	    pwrite(g->fd, head.p, head.n, 0) != (ssize_t)head.n)
		LOG("cannot rewrite the header of %s\n", g->path);
	msc_buf_free(&head);
#else
	(void)g;
#endif
}

void msc_group_close(struct msc_group *g)
{
	char part[sizeof(g->path) + 8];

	if (g->fd < 0)
		return;
	calibrate_header(g);
	fsync(g->fd);
	close(g->fd);
	g->fd = -1;
	snprintf(part, sizeof(part), "%s.part", g->path);
	if (rename(part, g->path) != 0)
		LOG("cannot rename %s: %s\n", part, strerror(errno));
}

int msc_group_write(struct msc_group *g, const struct msc_buf *block,
		    const struct msc_config *cfg, uint64_t now_ns)
{
	const uint8_t *p = block->p;
	size_t left = block->n;

	if (g->fd >= 0 && g->bytes > 64 &&
	    (g->bytes + block->n > cfg->rotate_bytes ||
	     (cfg->rotate_seconds &&
	      now_ns - g->opened_ns >= cfg->rotate_seconds * 1000000000ull)))
		msc_group_close(g);
	if (g->fd < 0 && open_next(g, now_ns) != 0)
		return -1;
	while (left > 0) {      /* one block, complete or cut by recovery */
		ssize_t n = write(g->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			LOG("write to %s failed: %s\n", g->path, strerror(errno));
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	g->bytes += block->n;
	return 0;
}

void msc_recover_partials(const char *dir, const char *base)
{
	size_t lb = strlen(base);
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char part[MSC_PATH_MAX + 300], final[MSC_PATH_MAX + 300];
		size_t ln = strlen(e->d_name);
		int64_t good;
		int fd;

		if (strncmp(e->d_name, base, lb) != 0 || e->d_name[lb] != '-' ||
		    ln < 9 || strcmp(e->d_name + ln - 9, ".msr.part") != 0)
			continue;
		snprintf(part, sizeof(part), "%s/%s", dir, e->d_name);
		snprintf(final, sizeof(final), "%.*s", (int)strlen(part) - 5, part);
		fd = open(part, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		good = msr_valid_prefix(fd);
		if (good > 0 && ftruncate(fd, good) == 0) {
			close(fd);
			if (rename(part, final) == 0)
				LOG("recovered %s (%lld bytes of whole blocks)\n",
				    final, (long long)good);
		} else {
			close(fd);
			LOG("removing %s: no valid header\n", part);
			unlink(part);
		}
	}
	closedir(d);
}
