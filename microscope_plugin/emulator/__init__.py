"""The NF-chain emulator (testbed): exactly what collectors would record
for a described NF DAG, traffic and injected faults, plus ground truth.

    from microscope_plugin.emulator import load_scenario, run_to_directory
"""
import os
import time

from microscope_plugin.emulator.output import record_stats, write_outputs  # noqa: F401
from microscope_plugin.emulator.run import emulate
from microscope_plugin.emulator.scenario import (  # noqa: F401
    ScenarioError, list_presets, load_scenario, parse_scenario)
from microscope_plugin.emulator.truth import attribute_windowed, write_truth
from microscope_plugin.trace.writer import BLOCK_PACKETS


def run_to_directory(scenario, out_dir, counterfactual=True,
                     block_packets=BLOCK_PACKETS,
                     tick_ns=16, progress=None):
    """Emulate, write record files + topology + truth; return a summary."""
    say = progress or (lambda *a: None)
    os.makedirs(out_dir, exist_ok=True)
    timings = {}
    t0 = time.perf_counter()
    em = emulate(scenario, progress=say)
    timings['emulate_s'] = time.perf_counter() - t0
    t1 = time.perf_counter()
    paths = write_outputs(em, out_dir, block_packets=block_packets,
                          tick_ns=tick_ns, progress=say)
    timings['write_s'] = time.perf_counter() - t1
    truth = None
    if counterfactual and em.faults:
        t2 = time.perf_counter()
        say('truth', 'counterfactual runs without the injected faults')
        truth = attribute_windowed(em)
        timings['counterfactual_s'] = time.perf_counter() - t2
    summary = write_truth(em, truth, out_dir)
    timings['total_s'] = time.perf_counter() - t0
    summary['timings'] = timings
    summary['record_files'] = paths
    summary['out_dir'] = out_dir
    return em, summary
