/*
 * Cost of the shim's burst callbacks in isolation (no EAL, no NIC), in CPU
 * time of the calling thread (other processes on the machine do not count): the
 * rx and tx callbacks of shim.c called on synthetic mbufs.
 *
 *   make -C collector bench && build/shim-bench [bursts]
 *
 * Prints ns per packet record for packet headers that are in cache (an NF
 * that reads headers anyway) and not (a pool of 64K packets cycled, mbufs
 * just written as a driver does: an NF that never touches packet data,
 * like testpmd's io mode), with and
 * without 5-tuples, for two ring sizes.  The producer releases its own
 * ring every 16 bursts, as a dumper that keeps up would; the same loop
 * without callbacks is timed and subtracted.
 */
#define MICROSCOPE_NO_INTERPOSE 1
#include "../src/shim.c"

#include <dirent.h>
#include <stdlib.h>
#include <sys/mman.h>

#define BURST 32


static struct rte_mbuf *make_pool(unsigned n)
{
	struct rte_mbuf *m = aligned_alloc(64, sizeof(*m) * n);
	uint8_t *data = aligned_alloc(64, (size_t)n * 256);
	unsigned i;

	memset(m, 0, sizeof(*m) * n);
	for (i = 0; i < n; i++) {
		uint8_t *f = data + (size_t)i * 256;

		m[i].buf_addr = f;
		m[i].data_off = 0;
		m[i].data_len = 64;
		memset(f, 0, 64);
		f[12] = 0x08;                      /* IPv4 */
		f[14] = 0x45;
		f[18] = (uint8_t)(i >> 8);
		f[19] = (uint8_t)i;
		f[23] = 17;
		f[26] = 10;
		f[29] = (uint8_t)i;
	}
	return m;
}

static double run(struct rte_mbuf *pool, unsigned pool_n, long bursts,
		  int with_cb)
{
	struct rte_mbuf *pkts[BURST];
	struct timespec a, b;
	unsigned next = 0, i;
	long k;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (k = 0; k < bursts; k++) {
		for (i = 0; i < BURST; i++) {   /* the driver fills mbufs */
			pkts[i] = &pool[next];
			pkts[i]->port = (uint16_t)k;
			next = next + 1 == pool_n ? 0 : next + 1;
		}
		if (!with_cb) {
			__asm__ volatile("" : : "r"(pkts) : "memory");
			continue;
		}
		rx_cb(0, 0, pkts, BURST, BURST, NULL);
		tx_cb(1, 0, pkts, BURST, NULL);
		if ((k & 15) == 15)     /* a consumer that keeps up */
			__atomic_store_n(&t_prod->map.hdr->tail, t_prod->head,
					 __ATOMIC_RELEASE);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
	       ((double)bursts * BURST * 2);
}

static void cleanup(void)
{
	char name[300];
	struct dirent *e;
	DIR *d = opendir("/dev/shm");

	while (d && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "mscshimbench.", 13) != 0)
			continue;
		snprintf(name, sizeof(name), "/%s", e->d_name);
		shm_unlink(name);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	long bursts = argc > 1 ? atol(argv[1]) : 2000000;
	const char *rings[] = { "64K", "1M" };
	const char *tuples[] = { "off", "both" };
	struct rte_mbuf *hot = make_pool(BURST), *cold = make_pool(65536);
	unsigned r, t;

	printf("ns per packet record (rx and tx callbacks, bursts of %d)\n",
	       BURST);
	for (r = 0; r < 2; r++) {
		for (t = 0; t < 2; t++) {
			double h, c;

			setenv("MICROSCOPE_RING_SIZE", rings[r], 1);
			setenv("MICROSCOPE_TUPLES", tuples[t], 1);
			setenv("MICROSCOPE_SHM_PREFIX", "mscshimbench", 1);
			g_state = 0;
			t_prod = NULL;
			t_failed = 0;
			run(hot, BURST, 1, 1);             /* creates the ring */
			run(hot, BURST, bursts / 10, 1);   /* warm up */
			h = run(hot, BURST, bursts, 1) - run(hot, BURST, bursts, 0);
			c = run(cold, 65536, bursts, 1) - run(cold, 65536, bursts, 0);
			printf("ring %-3s tuples %-4s: headers in cache "
			       "%.2f ns, not in cache %.2f ns; %llu dropped\n",
			       rings[r], tuples[t], h, c,
			       (unsigned long long)t_prod->dropped_packets);
		}
	}
	cleanup();
	return 0;
}
