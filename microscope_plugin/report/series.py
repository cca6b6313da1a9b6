"""Queue occupancy and rates of one NF around an incident (Fig. 1b, 2c, 3c).

From the reconstructed trace (§5): every hop of a packet at NF k has an
arrival time at k's input queue, a read time (the rx burst that took it)
and a departure time.  Over bins of a window:

* queue occupancy: packets that arrived and were not read yet, sampled at
  each bin's end (lost packets never entered the queue);
* input rate: arrivals per second (including packets lost at the queue);
* processing rate: packets read per second — at most r_i, the NF's peak
  rate (§4.1), while its queue is not empty.
"""
import dataclasses

import numpy as np


@dataclasses.dataclass
class NFSeries:
    nf: str
    t_ns: np.ndarray          # bin ends
    queue: np.ndarray         # packets in the input queue at t
    input_pps: np.ndarray
    processing_pps: np.ndarray
    lost: int

    def to_dict(self, t0_ns=0):
        return {'nf': self.nf, 'lost': self.lost,
                't_ms': [round((int(t) - t0_ns) / 1e6, 4) for t in self.t_ns],
                'queue': [int(x) for x in self.queue],
                'input_pps': [float(x) for x in self.input_pps],
                'processing_pps': [float(x) for x in self.processing_pps]}


def nf_series(trace, name, start_ns, end_ns, bins=120):
    """:class:`NFSeries` of NF ``name`` over [start_ns, end_ns)."""
    if end_ns <= start_ns:
        raise ValueError('series window: end_ns %d is not after start_ns %d'
                         % (end_ns, start_ns))
    k = trace.names.index(name)
    h = trace.nf_hops(k)
    arr, read = trace.hop_arr[h], trace.hop_read[h]
    edges = np.linspace(start_ns, end_ns, bins + 1).astype(np.int64)
    width_s = (edges[1] - edges[0]) / 1e9 if bins else 1.0
    enq = np.sort(arr[read >= 0])
    rd = np.sort(read[read >= 0])
    queue = (np.searchsorted(enq, edges[1:], side='right')
             - np.searchsorted(rd, edges[1:], side='right'))
    a_all = np.sort(arr)
    inp = np.diff(np.searchsorted(a_all, edges, side='left')) / width_s
    proc = np.diff(np.searchsorted(rd, edges, side='left')) / width_s
    lost = int(((read < 0) & (arr >= start_ns) & (arr < end_ns)).sum())
    return NFSeries(nf=name, t_ns=edges[1:], queue=np.maximum(queue, 0),
                    input_pps=inp, processing_pps=proc, lost=lost)
