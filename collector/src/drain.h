/* Parsing ring records (ring.h) and feeding them to a block (record_format.h). */
#ifndef MICROSCOPE_DRAIN_H
#define MICROSCOPE_DRAIN_H

#include <stdint.h>

#include "record_format.h"
#include "ring.h"

struct msc_rec_view {
	uint64_t tsc;
	uint16_t port, queue;
	int tx;
	uint32_t count, max_pkts;
	const uint16_t *ipid;              /* wire order */
	const struct msc_tuple *tuples;    /* NULL if none recorded */
	const uint64_t *not4;              /* NULL if all packets are IPv4 */
};

/* Validate the record at p (avail bytes readable).  Returns its size, or
 * -1 if it is malformed or does not fit in avail. */
int64_t msc_rec_parse(const uint8_t *p, uint64_t avail, struct msc_rec_view *v);

/* Append the packets of a record whose burst was begun on b. */
void msc_rec_add_packets(struct msr_block *b, const struct msc_rec_view *v);

/* Choose the timestamp shift: ticks of about 16 ns unless configured. */
int msc_tsc_shift(uint64_t tsc_hz, int configured);

#endif
