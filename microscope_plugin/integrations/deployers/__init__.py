"""Collector deployers (stevedore namespace
``microscope.collector_deployers``).

A deployer starts the collector where an NF runs, refreshes it after the
NF changed (scaled, healed) and removes it, collecting the last record
files.  ``local`` runs a DPDK NF on this host under the collector
(LD_PRELOAD shim + dumper); ``tacker`` runs a command per compute node of
a VNF, for the Tacker management driver.  Both implement
:class:`~.base.CollectorDeployer`.
"""
