"""Incidents: victims close in time, summarised by their root causes.

An operator wants "what happened, when, and who is to blame", not 60 000
victim packets.  Victims are grouped into incidents wherever the gap
between consecutive victims exceeds ``gap_ns``; for each incident the
causes ranked first for its victims are counted, and the leading cause is
described with its NF, kind, culprit flows and time.
"""
import numpy as np

from microscope_plugin.diagnosis.flows import relation_flows
from microscope_plugin.diagnosis.result import CAUSE_KINDS, flow_dict
from microscope_plugin.diagnosis.victims import KIND_NAMES


def incidents(result, gap_ns=5_000_000, max_causes=3, flows_per_cause=3):
    """Return a list of incident dicts, in time order."""
    V = result.victims
    if not len(V):
        return []
    order = np.argsort(V.t_ns, kind='stable')
    t = V.t_ns[order]
    cut = np.flatnonzero(np.diff(t) > gap_ns) + 1
    groups = np.split(order, cut)
    C = result.causes()
    top = np.flatnonzero(C.rank == 1)
    top_of = np.full(len(V), -1, dtype=np.int64)
    top_of[C.victim[top]] = top
    out = []
    for g in groups:
        tops = top_of[g]
        tops = tops[tops >= 0]
        nfs, nf_counts = np.unique(V.nf[g], return_counts=True)
        kinds, kind_counts = np.unique(V.kind[g], return_counts=True)
        inc = {
            'start_ns': int(V.t_ns[g].min()), 'end_ns': int(V.t_ns[g].max()),
            'victims': int(len(g)),
            'victim_packets': int(len(np.unique(V.pkt[g]))),
            'victim_nfs': {result.names[int(n)]: int(c) for n, c in
                           sorted(zip(nfs, nf_counts), key=lambda x: -x[1])},
            'victim_kinds': {KIND_NAMES[int(k)]: int(c) for k, c in
                             zip(kinds, kind_counts)},
            'unexplained': int(len(g) - len(tops)), 'causes': []}
        if len(tops):
            key = C.kind[tops] * (len(result.names) + 2) + C.culprit[tops] + 1
            uk, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
            score = np.bincount(inv, weights=C.score[tops])
            for i in np.argsort(-cnt)[:max_causes]:
                members = tops[inv == i]
                best = members[np.argmax(C.score[members])]
                fl, fc, tot = relation_flows(
                    result.rel_ints[C.best_rel[best]][None, :], result.arrays,
                    flows_per_cause)
                k = int(C.culprit[best])
                inc['causes'].append({
                    'kind': CAUSE_KINDS[int(C.kind[best])],
                    'nf': result.nf_name(k),
                    'nf_type': result.types[k] if k >= 0 else 'source',
                    'top_for_victims': int(cnt[i]),
                    'share_of_victims': float(cnt[i] / len(g)),
                    'score': float(score[i]),
                    'start_ns': int(C.t0[members].min()),
                    'end_ns': int(C.t1[members].max()),
                    'flows': [dict(flow_dict(result.arrays.flows, int(f)),
                                   packets=int(n))
                              for f, n in zip(fl[0], fc[0]) if f >= 0]})
        out.append(inc)
    return out


def _flow_text(f):
    proto = {6: 'tcp', 17: 'udp'}.get(f['proto'], str(f['proto']))
    return '%s:%d -> %s:%d %s' % (f['src'], f['sport'], f['dst'], f['dport'], proto)


def describe_cause(c):
    if c['kind'] == 'source':
        what = 'traffic from %s' % c['nf']
        if c['flows']:
            f = c['flows'][0]
            what += ', mostly flow %s (%d packets)' % (_flow_text(f), f['packets'])
    elif c['kind'] == 'in_nf_delay':
        what = '%s %s delayed packets inside the NF' % (c['nf_type'], c['nf'])
    else:
        what = 'slow processing at %s %s' % (c['nf_type'], c['nf'])
        if c['flows']:
            f = c['flows'][0]
            what += ' (busiest flow meanwhile: %s, %d packets)' % (
                _flow_text(f), f['packets'])
    return what


def render(incs, t0_ns=0, limit=10, min_victims=5):
    """Plain-text incident list for operators: the largest incidents first,
    each with the causes ranked first for its victims."""
    big = sorted((x for x in incs if x['victim_packets'] >= min_victims),
                 key=lambda x: -x['victim_packets'])
    small = [x for x in incs if x['victim_packets'] < min_victims]
    lines = []
    for inc in big[:limit]:
        nfs = ', '.join('%s (%d)' % kv for kv in list(inc['victim_nfs'].items())[:4])
        lines.append('At %.1f-%.1f ms: %d victim packets, at %s'
                     % ((inc['start_ns'] - t0_ns) / 1e6,
                        (inc['end_ns'] - t0_ns) / 1e6, inc['victim_packets'], nfs))
        for c in inc['causes']:
            if c['share_of_victims'] < 0.01 and c is not inc['causes'][0]:
                continue
            lines.append('   [%5.1f %%] %s'
                         % (100 * c['share_of_victims'], describe_cause(c)))
        if inc['unexplained']:
            lines.append('   (%d victims found no queue: queuing does not '
                         'explain their delay)' % inc['unexplained'])
    if len(big) > limit:
        lines.append('... and %d more incidents' % (len(big) - limit))
    if small:
        lines.append('%d minor incidents (fewer than %d victims each), mostly: %s'
                     % (len(small), min_victims, _common(small)))
    return '\n'.join(lines) + ('\n' if lines else '')


def _common(incs):
    count = {}
    for inc in incs:
        for c in inc['causes'][:1]:
            key = describe_cause(dict(c, flows=[]))
            count[key] = count.get(key, 0) + 1
    top = sorted(count.items(), key=lambda kv: -kv[1])[:3]
    return '; '.join('%s (%d)' % kv for kv in top)
