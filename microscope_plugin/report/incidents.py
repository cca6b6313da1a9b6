"""Incidents of a stored diagnosis, shaped as
:func:`microscope_plugin.diagnosis.incidents.incidents` makes them from a
result in memory: victims closer than ``gap_ns`` in time form one incident,
summarised by the causes ranked first for its victims."""
import numpy as np


def incidents_from_rows(victims, first, types, gap_ns=5_000_000, max_causes=3):
    """``victims``: [(id, nf, kind, time_ns, latency_ns)] in time order;
    ``first``: {victim id: (kind, nf, score, start_ns, end_ns, flows)};
    ``types``: NF name -> NF type."""
    if not victims:
        return []
    t = np.array([v[3] for v in victims], dtype=np.int64)
    order = np.argsort(t, kind='stable')
    cut = np.flatnonzero(np.diff(t[order]) > gap_ns) + 1
    out = []
    for g in np.split(order, cut):
        rows = [victims[i] for i in g]
        nfs, kinds, causes = {}, {}, {}
        for vid, nf, kind, _t, _lat in rows:
            nfs[nf] = nfs.get(nf, 0) + 1
            kinds[kind] = kinds.get(kind, 0) + 1
            c = first.get(vid)
            if c is None:
                continue
            key = (c[0], c[1])
            d = causes.setdefault(key, {'n': 0, 'score': 0.0, 'start': c[3],
                                        'end': c[4], 'best': c})
            d['n'] += 1
            d['score'] += c[2] or 0.0
            d['start'], d['end'] = min(d['start'], c[3]), max(d['end'], c[4])
            if (c[2] or 0) > (d['best'][2] or 0):
                d['best'] = c
        explained = sum(d['n'] for d in causes.values())
        inc = {'start_ns': int(t[g].min()), 'end_ns': int(t[g].max()),
               'victims': len(rows), 'victim_packets': len(rows),
               'victim_nfs': dict(sorted(nfs.items(), key=lambda kv: -kv[1])),
               'victim_kinds': kinds, 'unexplained': len(rows) - explained,
               'causes': []}
        for (kind, nf), d in sorted(causes.items(), key=lambda kv: -kv[1]['n'])[
                :max_causes]:
            inc['causes'].append({
                'kind': kind, 'nf': nf,
                'nf_type': types.get(nf, 'source' if kind == 'source' else ''),
                'top_for_victims': d['n'], 'share_of_victims': d['n'] / len(rows),
                'score': d['score'], 'start_ns': int(d['start']),
                'end_ns': int(d['end']), 'flows': list(d['best'][5] or [])})
        out.append(inc)
    return out
