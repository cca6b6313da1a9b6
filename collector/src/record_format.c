/* Record format v1 writer (record_format.h, docs/record-format.md). */
#include "record_format.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct msr_hslot {
	uint64_t k1, k2;
	uint32_t gen;
	uint32_t val;
};

static int buf_reserve(struct msc_buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->n + extra <= b->cap)
		return 0;
	while (cap < b->n + extra)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		abort();              /* the dumper cannot do anything useful */
	b->p = p;
	b->cap = cap;
	return 0;
}

static void put(struct msc_buf *b, const void *src, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_u8(struct msc_buf *b, uint8_t v) { put(b, &v, 1); }
static void put_le(struct msc_buf *b, uint64_t v, int width)
{
	uint8_t x[8];
	int i;

	for (i = 0; i < width; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	put(b, x, (size_t)width);
}

static void put_varint(struct msc_buf *b, uint64_t v)
{
	uint8_t x[10];
	size_t n = 0;

	while (v >= 0x80) {
		x[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	x[n++] = (uint8_t)v;
	put(b, x, n);
}

void msc_buf_free(struct msc_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int msr_pack_header(const struct msr_file_header *h, struct msc_buf *out)
{
	size_t ln = strlen(h->nf_name), lh = strlen(h->host), size;

	if (ln > 255 || lh > 255 || h->tsc_hz == 0 || h->role > 1)
		return -1;
	size = MSR_HEADER_FIXED + 2 + ln + 2 + lh + 4;
	out->n = 0;
	put(out, "MSCOPREC", 8);
	put_le(out, MSR_VERSION, 2);
	put_le(out, size, 2);
	put_u8(out, h->role);
	put_u8(out, 0);
	put_le(out, 0, 2);
	put_le(out, h->tsc_hz, 8);
	put_le(out, h->anchor_tsc, 8);
	put_le(out, (uint64_t)h->anchor_unix_ns, 8);
	put_le(out, h->flags, 4);
	put_le(out, 0, 4);
	put_le(out, ln, 2);
	put(out, h->nf_name, ln);
	put_le(out, lh, 2);
	put(out, h->host, lh);
	put_le(out, crc32(0, out->p, (uInt)out->n), 4);
	return 0;
}

int msr_block_init(struct msr_block *b, uint32_t max_packets)
{
	uint32_t cap = 1024;

	memset(b, 0, sizeof(*b));
	b->max_packets = max_packets;
	while (cap < 2 * max_packets)
		cap *= 2;
	b->hmask = cap - 1;
	b->rx_last = calloc(65536, sizeof(*b->rx_last));
	b->tup = calloc(cap, sizeof(*b->tup));
	b->succ = calloc(cap, sizeof(*b->succ));
	if (!b->rx_last || !b->tup || !b->succ)
		return -1;
	b->gen = 1;
	b->prev_ref = -1;
	return 0;
}

void msr_block_free(struct msr_block *b)
{
	struct msc_buf *bufs[] = { &b->ts, &b->sidx, &b->counts, &b->maxp,
		&b->codes, &b->lit, &b->refs, &b->dict, &b->trefs, &b->raw,
		&b->tmp };
	size_t i;

	for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
		msc_buf_free(bufs[i]);
	if (b->zs) {
		deflateEnd(b->zs);
		free(b->zs);
	}
	free(b->rx_last);
	free(b->tup);
	free(b->succ);
	memset(b, 0, sizeof(*b));
}

static int stream_index(struct msr_block *b, uint16_t port, uint16_t queue,
			int tx, int add)
{
	uint32_t i;

	for (i = 0; i < b->n_streams; i++)
		if (b->s_port[i] == port && b->s_queue[i] == queue &&
		    b->s_dir[i] == (uint8_t)tx)
			return (int)i;
	if (!add || b->n_streams >= MSR_MAX_STREAMS)
		return -1;
	b->s_port[i] = port;
	b->s_queue[i] = queue;
	b->s_dir[i] = (uint8_t)tx;
	b->n_streams++;
	return (int)i;
}

int msr_block_begin_burst(struct msr_block *b, uint64_t tsc, uint16_t port,
			  uint16_t queue, int tx, uint32_t count,
			  uint32_t max_pkts)
{
	int s;

	if (b->nb > 0 && ((uint64_t)b->np + count > b->max_packets ||
			  (b->n_streams >= MSR_MAX_STREAMS &&
			   stream_index(b, port, queue, tx, 0) < 0)))
		return -1;
	s = stream_index(b, port, queue, tx, 1);
	if (b->nb == 0) {
		b->first_tsc = b->last_tsc = tsc;
	} else if (tsc < b->last_tsc) {
		tsc = b->last_tsc;    /* timestamps never decrease in a block */
	}
	put_varint(&b->ts, tsc - b->last_tsc);
	b->last_tsc = tsc;
	put_u8(&b->sidx, (uint8_t)s);
	put_varint(&b->counts, count);
	put_varint(&b->maxp, tx ? 0 : max_pkts);
	b->cur_tx = tx;
	b->nb++;
	return 0;
}

static uint32_t hash2(uint64_t k1, uint64_t k2)
{
	uint64_t h = (k1 ^ (k2 * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;

	return (uint32_t)(h >> 32);
}

/* Find or insert key; returns the slot and whether it was present. */
static struct msr_hslot *lookup(struct msr_block *b, struct msr_hslot *t,
				uint64_t k1, uint64_t k2, int *found)
{
	uint32_t i = hash2(k1, k2) & b->hmask;

	for (;; i = (i + 1) & b->hmask) {
		struct msr_hslot *s = &t[i];

		if (s->gen != b->gen) {
			s->gen = b->gen;
			s->k1 = k1;
			s->k2 = k2;
			*found = 0;
			return s;
		}
		if (s->k1 == k1 && s->k2 == k2) {
			*found = 1;
			return s;
		}
	}
}

void msr_block_add_packet(struct msr_block *b, int ipv4, uint16_t ipid,
			  const struct msr_tuple *t)
{
	uint8_t code = MSR_KIND_LITERAL;
	uint64_t last;
	int found;

	if (!ipv4) {
		put_u8(&b->codes, MSR_KIND_NOT_IPV4);
		b->np++;
		return;
	}
	last = b->rx_last[ipid];
	if (b->cur_tx && (uint32_t)(last >> 32) == b->gen) {
		int64_t r = (int64_t)(uint32_t)last, d = r - b->prev_ref - 1;

		code = MSR_KIND_REF;
		put_varint(&b->refs, (uint64_t)((d << 1) ^ (d >> 63)));
		b->prev_ref = r;
	} else if (t != NULL) {
		struct msr_hslot *s = lookup(b, b->succ, t->src, 0, &found);

		if (found && (uint16_t)(s->val + 1) == ipid)
			code = MSR_KIND_SUCCESSOR;
		s->val = ipid;
	}
	if (code == MSR_KIND_LITERAL) {
		put_le(&b->lit, ipid, 2);
		b->nlit++;
	}
	if (!b->cur_tx)
		b->rx_last[ipid] = ((uint64_t)b->gen << 32) | b->rx_ordinal++;
	if (t != NULL) {
		uint64_t k1 = ((uint64_t)t->src << 32) | t->dst;
		uint64_t k2 = ((uint64_t)t->sport << 24) |
			      ((uint64_t)t->dport << 8) | t->proto;
		struct msr_hslot *s = lookup(b, b->tup, k1, k2, &found);

		put_varint(&b->trefs, found ? b->nt - s->val : 0);
		if (!found) {
			put_le(&b->dict, t->src, 4);
			put_le(&b->dict, t->dst, 4);
			put_le(&b->dict, t->sport, 2);
			put_le(&b->dict, t->dport, 2);
			put_u8(&b->dict, t->proto);
			b->ndict++;
		}
		s->val = b->nt++;
		code |= MSR_HAS_TUPLE;
	}
	put_u8(&b->codes, code);
	b->np++;
}

/* n values of `width` bytes, interleaved with `stride`, as byte planes. */
static void put_planes(struct msc_buf *out, const uint8_t *src, uint32_t n,
		       int width, int offset, int stride)
{
	int k;
	uint32_t i;

	buf_reserve(out, (size_t)n * width);
	for (k = 0; k < width; k++)
		for (i = 0; i < n; i++)
			out->p[out->n++] = src[(size_t)i * stride + offset + k];
}

static uint64_t stream_key(const struct msr_block *b, uint32_t i)
{
	return (uint64_t)b->s_port[i] << 24 | (uint64_t)b->s_queue[i] << 8 |
	       b->s_dir[i];
}

/* Stream table in (port, queue, direction) order, like block.py. */
static void sort_streams(struct msr_block *b)
{
	uint8_t order[MSR_MAX_STREAMS], remap[MSR_MAX_STREAMS];
	uint16_t port[MSR_MAX_STREAMS], queue[MSR_MAX_STREAMS];
	uint8_t dir[MSR_MAX_STREAMS];
	uint32_t i, j, n = b->n_streams;
	size_t k;

	for (i = 0; i < n; i++) {
		uint8_t x = (uint8_t)i;

		for (j = i; j > 0 && stream_key(b, order[j - 1]) > stream_key(b, x);
		     j--)
			order[j] = order[j - 1];
		order[j] = x;
	}
	for (i = 0; i < n; i++) {
		remap[order[i]] = (uint8_t)i;
		port[i] = b->s_port[order[i]];
		queue[i] = b->s_queue[order[i]];
		dir[i] = b->s_dir[order[i]];
	}
	memcpy(b->s_port, port, n * sizeof(port[0]));
	memcpy(b->s_queue, queue, n * sizeof(queue[0]));
	memcpy(b->s_dir, dir, n);
	for (k = 0; k < b->sidx.n; k++)
		b->sidx.p[k] = remap[b->sidx.p[k]];
}

static void reset(struct msr_block *b)
{
	b->nb = b->np = b->nt = b->nlit = b->ndict = b->n_streams = 0;
	b->ts.n = b->sidx.n = b->counts.n = b->maxp.n = b->codes.n = 0;
	b->lit.n = b->refs.n = b->dict.n = b->trefs.n = 0;
	b->rx_ordinal = 0;
	b->prev_ref = -1;
	if (++b->gen == 0) {     /* stamps wrapped: really clear the tables */
		memset(b->rx_last, 0, 65536 * sizeof(*b->rx_last));
		memset(b->tup, 0, ((size_t)b->hmask + 1) * sizeof(*b->tup));
		memset(b->succ, 0, ((size_t)b->hmask + 1) * sizeof(*b->succ));
		b->gen = 1;
	}
}

/* zlib (RFC 1950) of b->raw into b->tmp, with one z_stream per block
 * builder: no allocation per block. */
static int deflate_block(struct msr_block *b, int level)
{
	z_stream *zs = b->zs;
	int rc;

	if (zs != NULL && b->zlevel != level) {
		deflateEnd(zs);
		free(zs);
		zs = b->zs = NULL;
	}
	if (zs == NULL) {
		zs = calloc(1, sizeof(*zs));
		if (zs == NULL || deflateInit(zs, level) != Z_OK) {
			free(zs);
			return -1;
		}
		b->zs = zs;
		b->zlevel = level;
	} else if (deflateReset(zs) != Z_OK) {
		return -1;
	}
	b->tmp.n = 0;
	buf_reserve(&b->tmp, deflateBound(zs, (uLong)b->raw.n));
	zs->next_in = b->raw.p;
	zs->avail_in = (uInt)b->raw.n;
	zs->next_out = b->tmp.p;
	zs->avail_out = (uInt)b->tmp.cap;
	rc = deflate(zs, Z_FINISH);
	if (rc != Z_STREAM_END)
		return -1;
	b->tmp.n = zs->total_out;
	return 0;
}

int msr_block_flush(struct msr_block *b, uint32_t dropped_packets,
		    uint32_t dropped_bursts, int level, struct msc_buf *out)
{
	struct msc_buf *raw = &b->raw, *stored = raw;
	size_t h0 = out->n;
	uint8_t codec = 0;
	uint32_t i, crc;

	raw->n = 0;
	sort_streams(b);
	put_u8(raw, (uint8_t)b->n_streams);
	for (i = 0; i < b->n_streams; i++) {
		put_le(raw, b->s_port[i], 2);
		put_le(raw, b->s_queue[i], 2);
		put_u8(raw, b->s_dir[i]);
	}
	put(raw, b->ts.p, b->ts.n);
	put(raw, b->sidx.p, b->sidx.n);
	put(raw, b->counts.p, b->counts.n);
	put(raw, b->maxp.p, b->maxp.n);
	put(raw, b->codes.p, b->codes.n);
	put_planes(raw, b->lit.p, b->nlit, 2, 0, 2);
	put(raw, b->refs.p, b->refs.n);
	put_le(raw, b->ndict, 4);
	put_planes(raw, b->dict.p, b->ndict, 4, 0, 13);
	put_planes(raw, b->dict.p, b->ndict, 4, 4, 13);
	put_planes(raw, b->dict.p, b->ndict, 2, 8, 13);
	put_planes(raw, b->dict.p, b->ndict, 2, 10, 13);
	put_planes(raw, b->dict.p, b->ndict, 1, 12, 13);
	put(raw, b->trefs.p, b->trefs.n);
	if (raw->n > MSR_MAX_PAYLOAD)
		return -1;
	if (level > 0 && deflate_block(b, level) == 0 && b->tmp.n < raw->n) {
		stored = &b->tmp;
		codec = 1;
	}
	put(out, "MSBK", 4);
	put_le(out, stored->n, 4);
	put_le(out, raw->n, 4);
	put_le(out, b->nb, 4);
	put_le(out, b->np, 4);
	put_le(out, b->nt, 4);
	put_le(out, b->first_tsc, 8);
	put_le(out, b->last_tsc, 8);
	put_le(out, dropped_packets, 4);
	put_le(out, dropped_bursts, 4);
	put_u8(out, codec);
	put_le(out, 0, 3);
	crc = (uint32_t)crc32(0, out->p + h0, 52);
	crc = (uint32_t)crc32(crc, stored->p, (uInt)stored->n);
	put_le(out, crc, 4);
	put(out, stored->p, stored->n);
	reset(b);
	return 0;
}
