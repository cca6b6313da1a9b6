/* Ring records -> record-format blocks (drain.h). */
#include "drain.h"

#include <arpa/inet.h>
#include <string.h>

int64_t msc_rec_parse(const uint8_t *p, uint64_t avail, struct msc_rec_view *v)
{
	struct msc_rec r;
	uint64_t size;
	int tuples;

	if (avail < sizeof(r))
		return -1;
	memcpy(&r, p, sizeof(r));
	if (r.count == 0 || (r.qflags & MSC_Q_RESERVED))
		return -1;
	tuples = (r.qflags & MSC_Q_TUPLES) != 0;
	size = msc_rec_base_size(r.count, tuples);
	if (r.qflags & MSC_Q_NOT_IPV4)
		size += msc_rec_bitmap_size(r.count);
	if (size > avail)
		return -1;
	v->tsc = r.tsc;
	v->port = r.port;
	v->queue = r.qflags & MSC_Q_MASK;
	v->tx = (r.qflags & MSC_Q_TX) != 0;
	v->count = r.count;
	v->max_pkts = v->tx ? 0 : r.max_pkts;
	v->ipid = (const uint16_t *)(p + sizeof(r));
	v->tuples = tuples ? (const struct msc_tuple *)
		(p + sizeof(r) + ((2u * r.count + 7u) & ~7u)) : NULL;
	v->not4 = (r.qflags & MSC_Q_NOT_IPV4) ? (const uint64_t *)
		(p + msc_rec_base_size(r.count, tuples)) : NULL;
	return (int64_t)size;
}

void msc_rec_add_packets(struct msr_block *b, const struct msc_rec_view *v)
{
	struct msr_tuple t;
	uint32_t i;

	for (i = 0; i < v->count; i++) {
		int ipv4 = !(v->not4 && (v->not4[i >> 6] >> (i & 63)) & 1);

		if (ipv4 && v->tuples) {
			const struct msc_tuple *w = &v->tuples[i];

			t.src = ntohl(w->src);
			t.dst = ntohl(w->dst);
			t.sport = ntohs(w->sport);
			t.dport = ntohs(w->dport);
			t.proto = w->proto;
		}
		msr_block_add_packet(b, ipv4, ntohs(v->ipid[i]),
				     ipv4 && v->tuples ? &t : NULL);
	}
}

int msc_tsc_shift(uint64_t tsc_hz, int configured)
{
	int k = 0;

	if (configured >= 0)
		return configured;
	/* the largest 2^k ticks that stay within 16 ns */
	while (k < 20 && (double)(2ull << k) <= (double)tsc_hz * 16e-9)
		k++;
	return k;
}
