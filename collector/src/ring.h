/*
 * Single-producer/single-consumer record ring in POSIX shared memory.
 *
 * One ring per producer thread of an NF (in practice: per polling lcore).
 * The shm object /<prefix>.<nf>.<pid>.<n> holds one 4 KiB header page and
 * a power-of-two data area.  Both sides map the data area twice,
 * back to back, so a record that crosses the end of the area is still
 * contiguous in memory and neither side handles wrap-around.
 *
 * head and tail are free-running byte counters.  The producer writes a
 * whole burst record and then publishes head once (release); the consumer
 * reads head (acquire), parses records up to it and publishes tail.  A
 * full ring makes the producer drop the burst and count it: it never
 * waits.  The shm object outlives the NF, so what is in the ring when the
 * NF exits is still drained by the dumper, and a restarted dumper resumes
 * at the tail the previous one published.
 *
 * Record (8-byte aligned, little-endian, 16-byte header):
 *   u64 tsc        rte_rdtsc() once per burst
 *   u16 port
 *   u16 qflags     bits 0-11 queue, bit 12 tx, bit 13 a not-IPv4 bitmap
 *                  follows, bit 14 5-tuples follow
 *   u16 count      packets in the burst (>= 1)
 *   u16 max_pkts   rx: nb_pkts the NF asked for; tx: 0
 *   then u16 ipid[count] as on the wire (network order), padded to 8 bytes
 *   then, if bit 14, struct msc_tuple[count] (wire order, 16 bytes each)
 *   then, if bit 13, u64 bitmap[(count + 63) / 64]: bit i set = packet i
 *        is not IPv4 (its ipid and tuple slots are 0)
 */
#ifndef MICROSCOPE_RING_H
#define MICROSCOPE_RING_H

#include <stddef.h>
#include <stdint.h>

#define MSC_RING_MAGIC      0x474e495250435347ULL   /* "GSCPRING" */
#define MSC_RING_VERSION    1
#define MSC_RING_HDR_SIZE   4096u
#define MSC_RING_MIN_SIZE   (16u << 10)
#define MSC_RING_MAX_SIZE   (1u << 30)

#define MSC_Q_MASK          0x0fffu
#define MSC_Q_TX            (1u << 12)
#define MSC_Q_NOT_IPV4      (1u << 13)
#define MSC_Q_TUPLES        (1u << 14)
#define MSC_Q_RESERVED      (1u << 15)

#define MSC_FLAG_TUPLES_RX  (1u << 0)
#define MSC_FLAG_TUPLES_TX  (1u << 1)

#define MSC_NAME_MAX        255
#define MSC_PATH_MAX        1024

struct msc_rec {
	uint64_t tsc;
	uint16_t port;
	uint16_t qflags;
	uint16_t count;
	uint16_t max_pkts;
};

struct msc_tuple {               /* as on the wire (network byte order) */
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[3];
};

/* Bytes of a record of `count` packets, before the optional bitmap. */
static inline uint32_t msc_rec_base_size(uint32_t count, int tuples)
{
	return (uint32_t)sizeof(struct msc_rec) + ((2u * count + 7u) & ~7u)
		+ (tuples ? count * (uint32_t)sizeof(struct msc_tuple) : 0u);
}

static inline uint32_t msc_rec_bitmap_size(uint32_t count)
{
	return ((count + 63u) / 64u) * 8u;
}

struct msc_ring_hdr {
	/* identity: written once by the producer before magic is set */
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t data_size;          /* power of two */
	int32_t pid;
	uint32_t producer;           /* index of this ring within the NF */
	uint64_t pid_start;          /* start time of pid (/proc), against reuse */
	uint64_t tsc_hz;
	uint64_t anchor_tsc;
	int64_t anchor_unix_ns;
	uint32_t flags;              /* MSC_FLAG_TUPLES_* */
	uint8_t role;                /* 0 NF instance, 1 traffic entry tap */
	uint8_t reserved[3];
	char nf_name[MSC_NAME_MAX + 1];
	char host[MSC_NAME_MAX + 1];
	char out_dir[MSC_PATH_MAX];

	/* producer side (written only by the NF) */
	uint64_t head __attribute__((aligned(64)));
	uint64_t dropped_bursts;
	uint64_t dropped_packets;
	uint32_t closed;             /* the NF exited cleanly */

	/* consumer side (written only by the dumper) */
	uint64_t tail __attribute__((aligned(64)));
	uint64_t reported_dropped_bursts;   /* already written to a file */
	uint64_t reported_dropped_packets;
	uint64_t pending_bursts;     /* consumed but not yet in a file */
	uint64_t pending_packets;
};

_Static_assert(sizeof(struct msc_ring_hdr) <= MSC_RING_HDR_SIZE,
	       "ring header must fit its page");
/* microscope_plugin/collector/rings.py reads these offsets */
_Static_assert(offsetof(struct msc_ring_hdr, nf_name) == 72, "name offset");
_Static_assert(offsetof(struct msc_ring_hdr, head) == 1664, "head offset");
_Static_assert(offsetof(struct msc_ring_hdr, closed) == 1688, "closed offset");
_Static_assert(offsetof(struct msc_ring_hdr, tail) == 1728, "tail offset");
_Static_assert(offsetof(struct msc_ring_hdr, pending_packets) == 1760,
	       "pending offset");

struct msc_ring_map {
	struct msc_ring_hdr *hdr;
	uint8_t *data;               /* data_size bytes, mapped twice */
	uint64_t size;
	uint64_t mask;
	void *base;
	size_t base_len;
	int fd;
};

/* Round a requested ring size to a power of two within the limits. */
uint64_t msc_ring_round_size(uint64_t bytes);

/* Producer: create and map a new ring; the caller fills the identity and
 * then calls msc_ring_publish().  Returns 0 or -errno. */
int msc_ring_create(const char *shm_name, uint64_t data_size,
		    struct msc_ring_map *m);
void msc_ring_publish(struct msc_ring_map *m);

/* Consumer: map an existing ring (validated).  Returns 0 or -errno. */
int msc_ring_open(const char *shm_name, struct msc_ring_map *m);
void msc_ring_unmap(struct msc_ring_map *m);

/* Start time of a process (clock ticks since boot), 0 if it is gone. */
uint64_t msc_pid_start(int pid);

/* Replace every character outside [A-Za-z0-9_.-] by '_'. */
void msc_sanitize(char *dst, size_t dst_len, const char *src);

#endif
