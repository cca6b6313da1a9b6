/*
 * Record format version 1 (docs/record-format.md): the C writer.
 *
 * The Python implementation is microscope_plugin/trace/{format,block}.py;
 * both must produce files the one reader accepts.  This writer uses the
 * LITERAL, REF, NOT_IPV4 and SUCCESSOR packet kinds, decided packet by
 * packet in block order exactly like block.py (_last_rx, _successors):
 *   - a tx IPv4 packet whose IPID was seen on an earlier IPv4 rx packet of
 *     the block is a REF to the latest such rx packet;
 *   - otherwise a packet with a 5-tuple whose IPID is the previous
 *     same-source candidate's IPID + 1 is a SUCCESSOR;
 *   - otherwise LITERAL (NOT_IPV4 for anything that is not IPv4).
 */
#ifndef MICROSCOPE_RECORD_FORMAT_H
#define MICROSCOPE_RECORD_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define MSR_VERSION        1
#define MSR_HEADER_FIXED   48
#define MSR_BLOCK_HEADER   56            /* 52 bytes + CRC-32 */
#define MSR_MAX_PAYLOAD    (256u << 20)
#define MSR_KIND_LITERAL   0
#define MSR_KIND_REF       1
#define MSR_KIND_NOT_IPV4  2
#define MSR_KIND_SUCCESSOR 3
#define MSR_HAS_TUPLE      4
#define MSR_MAX_STREAMS    255

struct msc_buf {
	uint8_t *p;
	size_t n, cap;
};

void msc_buf_free(struct msc_buf *b);

struct msr_file_header {
	const char *nf_name;
	const char *host;
	uint64_t tsc_hz;
	uint64_t anchor_tsc;
	int64_t anchor_unix_ns;
	uint32_t flags;
	uint8_t role;
};

/* Serialise a file header into out (reset first).  Returns 0 or -1. */
int msr_pack_header(const struct msr_file_header *h, struct msc_buf *out);

struct msr_tuple {                /* host byte order */
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

struct msr_hslot;

struct msr_block {
	uint32_t max_packets;         /* soft limit: cut before exceeding it */
	uint32_t nb, np, nt;          /* bursts, packets, packets with tuple */
	uint32_t nlit;
	uint64_t first_tsc, last_tsc;
	int cur_tx;                   /* direction of the open burst */
	uint32_t n_streams;
	uint16_t s_port[MSR_MAX_STREAMS], s_queue[MSR_MAX_STREAMS];
	uint8_t s_dir[MSR_MAX_STREAMS];
	struct msc_buf ts, sidx, counts, maxp, codes, lit, refs, dict, trefs;
	struct msc_buf raw, tmp;
	void *zs;                     /* z_stream kept across blocks */
	int zlevel;
	uint32_t ndict;
	/* IPID references: last rx ordinal per IPID, stamped with gen */
	uint64_t *rx_last;
	uint32_t gen, rx_ordinal;
	int64_t prev_ref;
	/* tuple dictionary and successor chains: open addressing, gen stamps */
	struct msr_hslot *tup, *succ;
	uint32_t hmask;
};

int msr_block_init(struct msr_block *b, uint32_t max_packets);
void msr_block_free(struct msr_block *b);

/* Start a burst.  Returns -1 if it does not fit this (non-empty) block:
 * encode and reset the block, then start it again. */
int msr_block_begin_burst(struct msr_block *b, uint64_t tsc, uint16_t port,
			  uint16_t queue, int tx, uint32_t count,
			  uint32_t max_pkts);

/* Add the next packet of the open burst; t is NULL when no 5-tuple is
 * recorded for it (always NULL when !ipv4). */
void msr_block_add_packet(struct msr_block *b, int ipv4, uint16_t ipid,
			  const struct msr_tuple *t);

/* Encode the block (header, CRC, payload; zlib when level > 0 and it
 * helps) and append the bytes to out.  Then reset the block. */
int msr_block_flush(struct msr_block *b, uint32_t dropped_packets,
		    uint32_t dropped_bursts, int level, struct msc_buf *out);

/* Length of the valid prefix of a record file (header and every complete
 * block whose CRC matches); 0 if the header itself is bad (output.c). */
int64_t msr_valid_prefix(int fd);

#endif
