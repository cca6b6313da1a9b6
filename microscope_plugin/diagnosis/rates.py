"""Peak processing rates r_i (§4.1): configured, given, or measured.

§4.1 footnote 3: r_i can be measured by stress testing the NF or taken
from its history in production.  From a trace we take the NF's processing
speed while it works: over its rx bursts, packets divided by the time from
the rx burst to the tx of its packets, leaving out the slowest 1 % of
bursts (stalls inside a burst are not processing speed).
"""
import numpy as np


def measured_rate(trace, k):
    """Processing rate of NF k in packets/s from its bursts, or None."""
    s = trace.nf_hops(k)
    read, dep = trace.hop_read[s], trace.hop_dep[s]
    ok = (read >= 0) & (dep >= read)
    if ok.sum() < 32:
        return None
    rt, d = read[ok], dep[ok]
    order = np.argsort(rt, kind='stable')
    rt, d = rt[order], d[order]
    new = np.ones(len(rt), dtype=bool)
    new[1:] = rt[1:] != rt[:-1]
    start = np.flatnonzero(new)
    n = np.diff(np.append(start, len(rt)))
    dur = np.maximum.reduceat(d, start) - rt[start]
    per_pkt = dur / n
    keep = per_pkt <= np.percentile(per_pkt, 99)
    total = dur[keep].sum()
    if total <= 0:
        return None
    return float(n[keep].sum() / total * 1e9)


def peak_rates(trace, params):
    """``{nf name: (pps, origin)}`` for every NF (not sources).

    Order of precedence: ``params.peak_rates``; the topology's configured
    rate unless ``params.measure_peak_rates``; the measured rate.
    """
    given = dict(params.peak_rates)
    out = {}
    for k, nf in enumerate(trace.topology.nfs):
        if nf.role != 'nf':
            continue
        if nf.name in given:
            out[nf.name] = (float(given[nf.name]), 'parameter')
        elif nf.peak_rate_pps and not params.measure_peak_rates:
            out[nf.name] = (float(nf.peak_rate_pps), 'configured')
        else:
            r = measured_rate(trace, k)
            if r is None and nf.peak_rate_pps:
                out[nf.name] = (float(nf.peak_rate_pps), 'configured')
            elif r is None:
                raise ValueError('NF %s has no configured peak rate and too '
                                 'few bursts to measure one' % nf.name)
            else:
                out[nf.name] = (r, 'measured')
    return out
