/*
 * Microscope collector: public API of libmicroscope_collector.
 *
 * Loaded with LD_PRELOAD into a dynamically linked DPDK application, the
 * library interposes rte_eth_dev_start() and needs no call at all.  An NF
 * that is statically linked against DPDK (where LD_PRELOAD cannot
 * interpose) links libmicroscope_collector.a and calls
 * microscope_collector_attach_port() after each rte_eth_dev_start().
 */
#ifndef MICROSCOPE_COLLECTOR_H
#define MICROSCOPE_COLLECTOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register the rx and tx callbacks on every queue of a started port.
 * Idempotent: a queue is registered once, also across port restarts.
 * Returns the number of callbacks added, or a negative errno. */
int microscope_collector_attach_port(uint16_t port_id);

/* Mark this process's rings closed so the dumper finalises its files
 * without waiting to notice the exit (also done at normal process exit). */
void microscope_collector_close(void);

#ifdef __cplusplus
}
#endif

#endif
