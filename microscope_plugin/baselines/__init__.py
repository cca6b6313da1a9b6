"""Baseline diagnosers the evaluation compares Microscope with (§6.2).

``netmedic``: NetMedic (Kandula et al., SIGCOMM 2009) adapted to NF DAGs
as in §6.1 — time-window correlation over a dependency graph of NF
instances and traffic sources.  See docs/netmedic.md.
"""
