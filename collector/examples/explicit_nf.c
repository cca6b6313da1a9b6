/*
 * A minimal forwarding NF that links the collector explicitly, the form
 * for DPDK applications that are statically linked (LD_PRELOAD cannot
 * interpose rte_eth_dev_start inside them):
 *
 *     rte_eth_dev_start(port);
 *     microscope_collector_attach_port(port);
 *     ...
 *     microscope_collector_close();
 *
 * Forwards port 0 -> port 0 (e.g. one net_pcap vdev) until no packet has
 * arrived for idle_ms (argument after "--", default 1000).
 *   make -C collector examples
 *   build/explicit-nf-static --no-huge -m 128 --no-pci --vdev net_pcap0,... -- 500
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "../src/microscope_collector.h"

#define BURST 32

int main(int argc, char **argv)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_mempool *pool;
	struct rte_mbuf *pkts[BURST];
	uint64_t idle_ticks, last, rx_total = 0, tx_total = 0;
	int n = rte_eal_init(argc, argv), rc;

	if (n < 0)
		return 1;
	idle_ticks = rte_get_tsc_hz() / 1000 *
		     (n + 1 < argc ? strtoull(argv[n + 1], NULL, 0) : 1000);
	pool = rte_pktmbuf_pool_create("pool", 8191, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || rte_eth_dev_count_avail() < 1 ||
	    rte_eth_dev_configure(0, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(0, 0, 1024, 0, NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(0, 0, 1024, 0, NULL) != 0 ||
	    rte_eth_dev_start(0) != 0) {
		fprintf(stderr, "explicit-nf: port setup failed\n");
		return 1;
	}
	rc = microscope_collector_attach_port(0);
	printf("explicit-nf: collector callbacks added: %d\n", rc);
	last = rte_rdtsc();
	while (rte_rdtsc() - last < idle_ticks) {
		uint16_t nb = rte_eth_rx_burst(0, 0, pkts, BURST), sent;

		if (nb == 0)
			continue;
		last = rte_rdtsc();
		sent = rte_eth_tx_burst(0, 0, pkts, nb);
		rx_total += nb;
		tx_total += sent;
		while (sent < nb)
			rte_pktmbuf_free(pkts[sent++]);
	}
	printf("explicit-nf: forwarded %llu of %llu packets\n",
	       (unsigned long long)tx_total, (unsigned long long)rx_total);
	microscope_collector_close();
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
