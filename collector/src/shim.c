/*
 * The collector inside the NF: rx/tx burst callbacks writing compact
 * burst records into a per-thread SPSC ring in shared memory (ring.h).
 *
 * Per burst: one rte_rdtsc(), a 16-byte header and 2 bytes per packet
 * (the IPv4 IPID; a 16-byte 5-tuple per packet only where configured).
 * The head is published once per burst; a full ring drops the burst and
 * counts it.  Nothing here blocks, allocates or makes a system call on
 * the datapath, except creating a thread's ring on its first burst.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "config.h"
#include "microscope_collector.h"
#include "ring.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_PRODUCERS 256
#define QWORDS (RTE_MAX_QUEUES_PER_PORT / 64 + 1)

struct producer {
	struct msc_ring_map map;
	uint64_t head;               /* private copy of hdr->head */
	uint64_t tail_cache;         /* last tail read from the consumer */
	uint64_t dropped_bursts;
	uint64_t dropped_packets;
	uint32_t flags;
};

static struct msc_config g_cfg;
static int g_state;                  /* 0 not yet, 1 on, -1 off */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct producer *g_prod[MAX_PRODUCERS];
static unsigned g_nprod, g_nprod_tried;
static uint64_t g_tsc_hz, g_anchor_tsc;
static int64_t g_anchor_ns;
static char g_host[MSC_NAME_MAX + 1];
static uint64_t g_registered[RTE_MAX_ETHPORTS][2][QWORDS];

static __thread struct producer *t_prod __attribute__((tls_model("initial-exec")));
static __thread int t_failed __attribute__((tls_model("initial-exec")));

#define LOG(...) fprintf(stderr, "microscope-collector: " __VA_ARGS__)

/* A child forked after rings exist must not write into its parent's:
 * it starts over with rings of its own (its pid differs). */
static void after_fork_child(void)
{
	t_prod = NULL;
	t_failed = 0;
	g_nprod = 0;
	g_nprod_tried = 0;
	pthread_mutex_init(&g_lock, NULL);
}

static void init_locked(void)
{
	char err[512];
	struct timespec ts;
	uint64_t t0, t1;

	if (g_state != 0)
		return;
	if (msc_config_load(&g_cfg, err, sizeof(err)) > 0)
		LOG("configuration: %s\n", err);
	if (g_cfg.disable) {
		g_state = -1;
		LOG("disabled by configuration\n");
		return;
	}
	g_tsc_hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	t1 = rte_rdtsc();
	g_anchor_tsc = t0 + (t1 - t0) / 2;
	g_anchor_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (gethostname(g_host, sizeof(g_host) - 1) != 0)
		g_host[0] = '\0';
	pthread_atfork(NULL, NULL, after_fork_child);
	g_state = 1;
}

/* First burst of a thread: create its ring (under the lock). */
static struct producer *producer_slow(void)
{
	char nf[MSC_NAME_MAX + 1], name[MSC_NAME_MAX + 128];
	struct producer *p = NULL;
	struct msc_ring_hdr *h;
	int rc = -ENOSPC;

	if (t_failed)
		return NULL;
	pthread_mutex_lock(&g_lock);
	init_locked();
	if (g_state != 1 || g_nprod >= MAX_PRODUCERS)
		goto out;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto out;
	msc_sanitize(nf, sizeof(nf), g_cfg.nf_name);
	do {    /* a stale ring of an earlier process with our pid: next name */
		snprintf(name, sizeof(name), "/%s.%s.%d.%u", g_cfg.shm_prefix,
			 nf, (int)getpid(), g_nprod_tried++);
		rc = msc_ring_create(name, g_cfg.ring_size, &p->map);
	} while (rc == -EEXIST && g_nprod_tried < 4 * MAX_PRODUCERS);
	if (rc != 0)
		goto out;
	h = p->map.hdr;
	h->pid = (int32_t)getpid();
	h->producer = g_nprod;
	h->pid_start = msc_pid_start(getpid());
	h->tsc_hz = g_tsc_hz;
	h->anchor_tsc = g_anchor_tsc;
	h->anchor_unix_ns = g_anchor_ns;
	h->flags = g_cfg.tuples;
	h->role = (uint8_t)g_cfg.role;
	snprintf(h->nf_name, sizeof(h->nf_name), "%s", g_cfg.nf_name);
	snprintf(h->host, sizeof(h->host), "%s", g_host);
	snprintf(h->out_dir, sizeof(h->out_dir), "%s", g_cfg.out_dir);
	p->flags = g_cfg.tuples;
	msc_ring_publish(&p->map);
	g_prod[g_nprod++] = p;
	LOG("ring %s (%llu bytes) for thread %d\n", name,
	    (unsigned long long)p->map.size, (int)gettid());
out:
	if (rc != 0 && g_state == 1)
		LOG("cannot create a ring: %s; this thread is not recorded\n",
		    strerror(-rc));
	pthread_mutex_unlock(&g_lock);
	if (rc != 0) {
		free(p);
		p = NULL;
		t_failed = 1;
	}
	t_prod = p;
	return p;
}

/* IPv4 behind at most one VLAN tag: returns 1 and fills ipid (wire order)
 * and, if t, the 5-tuple (wire order; ports only for unfragmented
 * TCP/UDP); returns 0 for anything else. */
static inline int parse(const struct rte_mbuf *m, uint16_t *ipid,
			struct msc_tuple *t)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len, off = 14, ihl;
	uint16_t et;

	if (unlikely(len < 34))
		return 0;
	et = *(const uint16_t *)(p + 12);
	if (unlikely(et != RTE_BE16(0x0800))) {      /* untagged IPv4 first */
		if (et != RTE_BE16(0x8100) && et != RTE_BE16(0x88a8))
			return 0;
		if (unlikely(len < 38))
			return 0;
		et = *(const uint16_t *)(p + 16);
		off = 18;
		if (et != RTE_BE16(0x0800))
			return 0;
	}
	if (unlikely((p[off] >> 4) != 4))
		return 0;
	*ipid = *(const uint16_t *)(p + off + 4);
	if (t == NULL)
		return 1;
	memcpy(&t->src, p + off + 12, 4);
	memcpy(&t->dst, p + off + 16, 4);
	t->proto = p[off + 9];
	t->sport = t->dport = 0;
	t->pad[0] = t->pad[1] = t->pad[2] = 0;
	ihl = (p[off] & 0x0fu) * 4u;
	if ((t->proto == 6 || t->proto == 17) &&
	    (*(const uint16_t *)(p + off + 6) & RTE_BE16(0x1fff)) == 0 &&
	    len >= off + ihl + 4) {
		memcpy(&t->sport, p + off + ihl, 2);
		memcpy(&t->dport, p + off + ihl + 2, 2);
	}
	return 1;
}

#define PREFETCH_AHEAD 4

/* Parse a burst into the record; returns MSC_Q_NOT_IPV4 if the not-IPv4
 * bitmap was written.  Packet headers are prefetched a few packets ahead:
 * an NF that has not read them yet (plain forwarding) would otherwise
 * wait for each one in turn. */
static __rte_always_inline uint32_t
parse_burst(struct rte_mbuf **pkts, uint32_t n, uint16_t *ipid,
	    struct msc_tuple *tu, uint64_t *bm)
{
	uint32_t i, not4 = 0;

	for (i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD],
						       void *));
		if (likely(parse(pkts[i], &ipid[i], tu ? &tu[i] : NULL)))
			continue;
		if (!not4) {
			memset(bm, 0, msc_rec_bitmap_size(n));
			not4 = MSC_Q_NOT_IPV4;
		}
		bm[i >> 6] |= 1ull << (i & 63);
		ipid[i] = 0;
		if (tu)
			memset(&tu[i], 0, sizeof(tu[i]));
	}
	return not4;
}

static inline void record(uint16_t port, uint16_t queue, uint32_t tx,
			  struct rte_mbuf **pkts, uint16_t n, uint16_t max_pkts)
{
	struct producer *p = t_prod;
	struct msc_tuple *tu = NULL;
	struct msc_rec *r;
	uint64_t head, *bm, tsc;
	uint32_t base, need, not4;
	uint16_t *ipid;
	uint8_t *w;
	int tuples;

	tsc = rte_rdtsc();
	if (unlikely(p == NULL)) {
		p = producer_slow();
		if (p == NULL)
			return;
	}
	tuples = (p->flags & (tx ? MSC_FLAG_TUPLES_TX : MSC_FLAG_TUPLES_RX)) != 0;
	base = msc_rec_base_size(n, tuples);
	need = base + msc_rec_bitmap_size(n);
	head = p->head;
	if (unlikely(head + need - p->tail_cache > p->map.size)) {
		p->tail_cache = __atomic_load_n(&p->map.hdr->tail, __ATOMIC_ACQUIRE);
		if (head + need - p->tail_cache > p->map.size) {
			__atomic_store_n(&p->map.hdr->dropped_bursts,
					 ++p->dropped_bursts, __ATOMIC_RELAXED);
			p->dropped_packets += n;
			__atomic_store_n(&p->map.hdr->dropped_packets,
					 p->dropped_packets, __ATOMIC_RELAXED);
			return;
		}
	}
	w = p->map.data + (head & p->map.mask);
	r = (struct msc_rec *)w;
	ipid = (uint16_t *)(r + 1);
	bm = (uint64_t *)(w + base);
	if (tuples)
		tu = (struct msc_tuple *)(w + sizeof(*r) + ((2u * n + 7u) & ~7u));
	/* two copies of the loop: with and without 5-tuples */
	not4 = tu ? parse_burst(pkts, n, ipid, tu, bm)
		  : parse_burst(pkts, n, ipid, NULL, bm);
	if (n & 3)      /* deterministic padding bytes */
		memset(&ipid[n], 0, ((2u * n + 7u) & ~7u) - 2u * n);
	r->tsc = tsc;
	r->port = port;
	r->qflags = (uint16_t)((queue & MSC_Q_MASK) | (tx ? MSC_Q_TX : 0) |
			       (tuples ? MSC_Q_TUPLES : 0) | not4);
	r->count = n;
	r->max_pkts = max_pkts;
	p->head = head + base + (not4 ? msc_rec_bitmap_size(n) : 0);
	__atomic_store_n(&p->map.hdr->head, p->head, __ATOMIC_RELEASE);
}

static uint16_t rx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[],
		      uint16_t nb_pkts, uint16_t max_pkts, void *arg)
{
	(void)arg;
	if (nb_pkts)
		record(port, queue, 0, pkts, nb_pkts, max_pkts);
	return nb_pkts;
}

static uint16_t tx_cb(uint16_t port, uint16_t queue, struct rte_mbuf *pkts[],
		      uint16_t nb_pkts, void *arg)
{
	(void)arg;
	if (nb_pkts)
		record(port, queue, 1, pkts, nb_pkts, 0);
	return nb_pkts;
}

static int test_and_set(uint16_t port, int dir, uint16_t q)
{
	uint64_t bit = 1ull << (q & 63), *w = &g_registered[port][dir][q >> 6];
	int was = (*w & bit) != 0;

	*w |= bit;
	return was;
}

EXPORT int microscope_collector_attach_port(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	int added = 0, rc;
	uint16_t q;

	if (port_id >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	init_locked();
	if (g_state != 1) {
		pthread_mutex_unlock(&g_lock);
		return 0;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc != 0) {
		pthread_mutex_unlock(&g_lock);
		LOG("port %u: no device info (%d)\n", port_id, rc);
		return rc;
	}
	for (q = 0; q < info.nb_rx_queues && q <= MSC_Q_MASK; q++) {
		if (test_and_set(port_id, 0, q))
			continue;
		if (rte_eth_add_rx_callback(port_id, q, rx_cb, NULL) == NULL) {
			LOG("port %u rx queue %u: callback refused (%s)\n",
			    port_id, q, strerror(rte_errno));
			g_registered[port_id][0][q >> 6] &= ~(1ull << (q & 63));
			continue;
		}
		added++;
	}
	for (q = 0; q < info.nb_tx_queues && q <= MSC_Q_MASK; q++) {
		if (test_and_set(port_id, 1, q))
			continue;
		if (rte_eth_add_tx_callback(port_id, q, tx_cb, NULL) == NULL) {
			LOG("port %u tx queue %u: callback refused (%s)\n",
			    port_id, q, strerror(rte_errno));
			g_registered[port_id][1][q >> 6] &= ~(1ull << (q & 63));
			continue;
		}
		added++;
	}
	pthread_mutex_unlock(&g_lock);
	if (added)
		LOG("port %u: recording %u rx and %u tx queues as NF '%s'\n",
		    port_id, info.nb_rx_queues, info.nb_tx_queues, g_cfg.nf_name);
	return added;
}

EXPORT void microscope_collector_close(void)
{
	unsigned i;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_nprod; i++)
		__atomic_store_n(&g_prod[i]->map.hdr->closed, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_lock);
}

__attribute__((destructor)) static void collector_fini(void)
{
	microscope_collector_close();
}

#ifndef MICROSCOPE_NO_INTERPOSE
/* LD_PRELOAD entry point: the real rte_eth_dev_start, then our callbacks. */
EXPORT int rte_eth_dev_start(uint16_t port_id)
{
	static int (*real)(uint16_t);
	int rc;

	if (real == NULL) {
		real = (int (*)(uint16_t))dlsym(RTLD_NEXT, "rte_eth_dev_start");
		if (real == NULL) {
			LOG("rte_eth_dev_start not found: %s\n", dlerror());
			return -ENOSYS;
		}
	}
	rc = real(port_id);
	if (rc == 0)
		microscope_collector_attach_port(port_id);
	return rc;
}
#endif
