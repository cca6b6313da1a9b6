"""Per-NF input load of a diagnosis task: what the scaling hints need
from a trace and the diagnosis does not keep.

For every NF instance, packets arriving at its queue (§3: a packet's
arrival is when the upstream NF sent it; packets later lost at the queue
count too) per window of the task's slice, and the NF's peak processing
rate r_i (§4.1, :func:`microscope_plugin.diagnosis.rates.peak_rates`).
Input above r_i for a sustained time is the condition in which the
input-rate score S_i grows; it is the evidence of SCALE_OUT.
"""
import numpy as np

from microscope_plugin.diagnosis import rates


def nf_load(trace, params, start_ns, end_ns, window_ns):
    """{nf: {'type', 'peak_pps', 'peak_origin', 'window_ns', 'counts'}}
    over [start_ns, end_ns) cut into windows of ``window_ns``."""
    try:
        peaks = rates.peak_rates(trace, params)
    except ValueError:
        peaks = {}
    n_win = max(1, int(np.ceil((end_ns - start_ns) / window_ns)))
    out = {}
    for k, nf in enumerate(trace.topology.nfs):
        if nf.role != 'nf':
            continue
        arr = trace.hop_arr[trace.nf_hops(k)]
        arr = arr[(arr >= start_ns) & (arr < end_ns)]
        counts = np.bincount(((arr - start_ns) // window_ns).astype(np.int64),
                             minlength=n_win)[:n_win]
        peak, origin = peaks.get(nf.name, (None, None))
        out[nf.name] = {'type': nf.type, 'peak_pps': peak,
                        'peak_origin': origin, 'window_ns': int(window_ns),
                        'counts': [int(c) for c in counts]}
    return out


def merge(parts):
    """One profile from the tasks' profiles, in task order."""
    out = {}
    for part in parts:
        for name, p in (part or {}).items():
            q = out.setdefault(name, dict(p, counts=[]))
            q['counts'] = q['counts'] + list(p['counts'])
            if q.get('peak_pps') is None:
                q['peak_pps'] = p.get('peak_pps')
    return out
