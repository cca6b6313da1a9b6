"""The sweeps of §6.2-6.3: NetMedic's window, burst size, interrupt
length, propagation hops.

* :func:`window_sweep` (Fig. 13): NetMedic with windows of 1-100 ms on
  the same trace and victims.
* :func:`fault_sweep` (§6.3): one emulated run per value, injecting only
  that kind of fault with a fixed size (bursts of 200-5000 packets,
  interrupts of 300-1500 us), both diagnosers.
* :func:`by_key` (§6.3, propagation hops): accuracy of the victims of one
  run grouped by a per-victim key, e.g. ``Ranks.hops`` — how many NFs the
  problem crossed from the culprit's NF to the victim's (bursts count the
  source as position -1, so a burst victim at a first-hop NF has 1 hop).
"""
import dataclasses
import gc
import os

import numpy as np

from microscope_plugin.evaluation import protocol

WINDOWS_MS = (1, 2, 5, 10, 20, 50, 100)
BURST_SIZES = (200, 500, 1000, 2000, 3000, 5000)
INTERRUPT_US = (300, 500, 750, 1000, 1250, 1500)


def window_sweep(ev, windows_ms=WINDOWS_MS, progress=None):
    """``{window_ms: Ranks}`` of NetMedic on ``ev``'s trace and victims."""
    say = progress or (lambda *a: None)
    out = {}
    for w in windows_ms:
        _, ranks = protocol.run_netmedic(ev, w)
        out[w] = ranks
        say('window', '%g ms: rank-1 %.1f %%' % (w, 100 * _rate(ranks.rank, 1)))
    return out


def _rate(r, k):
    return float((r <= k).mean()) if len(r) else float('nan')


def rates(r):
    return {'victims': int(len(r)), 'rank1': _rate(r, 1), 'rank2': _rate(r, 2),
            'rank5': _rate(r, 5)}


def by_key(ranks, key, strict=False):
    """``{key value: rates}`` over the victims of ``ranks``."""
    r = ranks.rank_strict if strict else ranks.rank
    return {int(k) if isinstance(k, (np.integer, int)) else k: rates(r[key == k])
            for k in np.unique(key)}


def sweep_config(base, kind, value, per_point=5):
    """A protocol configuration injecting ``per_point`` faults of one kind
    with a fixed size, separated as in the main run."""
    dur = min(base.start_s, 0.2) + per_point * base.gap_ms / 1000.0 + 0.1
    common = dict(duration_s=dur, start_s=min(base.start_s, 0.2),
                  bursts=0, interrupts=0, bugs=0)
    if kind == 'burst':
        return dataclasses.replace(base, bursts=per_point,
                                   burst_packets=(int(value), int(value)),
                                   **{k: v for k, v in common.items()
                                      if k != 'bursts'})
    if kind == 'interrupt':
        return dataclasses.replace(base, interrupts=per_point,
                                   interrupt_us=(float(value), float(value)),
                                   **{k: v for k, v in common.items()
                                      if k != 'interrupts'})
    raise ValueError('sweeps vary burst or interrupt, not %r' % (kind,))


def fault_sweep(base, kind, values, run_root, per_point=5, progress=None):
    """``{value: {diagnoser: Ranks}}``: one run per value of the fault's
    size.  Only the ranks are kept: a run's trace and results are
    released before the next one (a paper16 run holds gigabytes)."""
    say = progress or (lambda *a: None)
    out = {}
    for v in values:
        cfg = sweep_config(base, kind, v, per_point)
        say('sweep', '%s %g' % (kind, v))
        ev = protocol.run_protocol(cfg, os.path.join(run_root, '%s-%g' % (kind, v)),
                                   progress=say)
        out[v] = dict(ev.ranks)
        ev.release()
        del ev
        gc.collect()
    return out


def sweep_table(ranks):
    """``{value: {diagnoser: rates}}`` (Microscope also strict) from
    :func:`fault_sweep`'s ``{value: {diagnoser: Ranks}}``."""
    out = {}
    for v, by in ranks.items():
        row = {name: rates(r.rank) for name, r in by.items()}
        row['microscope_strict'] = rates(by['microscope'].rank_strict)
        out[v] = row
    return out
