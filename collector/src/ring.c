/* SPSC record ring in POSIX shared memory: creation, mapping, helpers. */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t msc_ring_round_size(uint64_t bytes)
{
	uint64_t s = MSC_RING_MIN_SIZE;

	while (s < bytes && s < MSC_RING_MAX_SIZE)
		s <<= 1;
	return s;
}

/* Map header + data, then the data area once more right behind it. */
static int map_double(int fd, uint64_t data_size, struct msc_ring_map *m)
{
	size_t len = MSC_RING_HDR_SIZE + 2 * data_size;
	uint8_t *base = mmap(NULL, len, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (base == MAP_FAILED)
		return -errno;
	if (mmap(base, MSC_RING_HDR_SIZE + data_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED ||
	    mmap(base + MSC_RING_HDR_SIZE + data_size, data_size,
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 MSC_RING_HDR_SIZE) == MAP_FAILED) {
		int err = errno;

		munmap(base, len);
		return -err;
	}
	m->base = base;
	m->base_len = len;
	m->hdr = (struct msc_ring_hdr *)base;
	m->data = base + MSC_RING_HDR_SIZE;
	m->size = data_size;
	m->mask = data_size - 1;
	m->fd = fd;
	return 0;
}

int msc_ring_create(const char *shm_name, uint64_t data_size,
		    struct msc_ring_map *m)
{
	int fd, rc;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	data_size = msc_ring_round_size(data_size);
	fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)(MSC_RING_HDR_SIZE + data_size)) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = map_double(fd, data_size, m);
	if (rc != 0)
		goto fail;
	m->hdr->version = MSC_RING_VERSION;
	m->hdr->hdr_size = MSC_RING_HDR_SIZE;
	m->hdr->data_size = data_size;
	return 0;
fail:
	close(fd);
	shm_unlink(shm_name);
	return rc;
}

void msc_ring_publish(struct msc_ring_map *m)
{
	__atomic_store_n(&m->hdr->magic, MSC_RING_MAGIC, __ATOMIC_RELEASE);
}

int msc_ring_open(const char *shm_name, struct msc_ring_map *m)
{
	struct msc_ring_hdr h;
	struct stat st;
	int fd, rc = -EINVAL;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	fd = shm_open(shm_name, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(h) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto fail;
	if (h.magic != MSC_RING_MAGIC) {
		rc = -EAGAIN;            /* not published yet, or not a ring */
		goto fail;
	}
	if (h.version != MSC_RING_VERSION || h.hdr_size != MSC_RING_HDR_SIZE ||
	    h.data_size < MSC_RING_MIN_SIZE || h.data_size > MSC_RING_MAX_SIZE ||
	    (h.data_size & (h.data_size - 1)) != 0 ||
	    (uint64_t)st.st_size != MSC_RING_HDR_SIZE + h.data_size)
		goto fail;
	rc = map_double(fd, h.data_size, m);
	if (rc == 0)
		return 0;
fail:
	close(fd);
	return rc;
}

void msc_ring_unmap(struct msc_ring_map *m)
{
	if (m->base)
		munmap(m->base, m->base_len);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

uint64_t msc_pid_start(int pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	ssize_t n;
	char *p;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');       /* the command name may hold spaces */
	if (p == NULL)
		return 0;
	/* after ")" come fields 3..; starttime is field 22 */
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	/* a zombie has exited: its records are final */
	if (strstr(buf, ") Z ") != NULL)
		return 0;
	return start ? start : 1;
}

void msc_sanitize(char *dst, size_t dst_len, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i + 1 < dst_len; i++) {
		char c = src[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		dst[i] = ok ? c : '_';
	}
	if (dst_len)
		dst[i] = '\0';
}
