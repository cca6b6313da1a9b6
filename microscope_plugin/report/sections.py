"""Report sections built per reader: top patterns (§4.4, Fig. 14), and the
largest incidents with their leading causes, queue occupancy and rates
(Fig. 1b/2c/3c) and evidence packets."""
from microscope_plugin.report.evidence import spread
from microscope_plugin.report.series import nf_series

FLOW_FIELDS = ('src', 'dst', 'proto', 'sport', 'dport')


def _side(side, viewer, culprit):
    nf = str(side.get('nf', '*'))
    shown = viewer.type_visible(nf) or (culprit and viewer.is_source(nf))
    d = {'nf': viewer.label(nf), 'nf_level': side.get('nf_level'),
         'flows_hidden': not shown}
    for f in FLOW_FIELDS:
        d[f] = str(side.get(f, '*')) if shown else 'hidden'
    return d


def patterns(inputs, records, catalog, viewer, filtered, top, notes):
    """Top patterns: the stored ones, or re-aggregated over the relations
    in scope when the report is limited (vendor, NF or time range)."""
    pats = inputs.patterns
    if filtered or not pats:
        if not len(records):
            return []
        from microscope_plugin.aggregation import AggregationParams, aggregate
        from microscope_plugin.aggregation import TooManyClusters
        try:
            pats = aggregate(records, catalog, AggregationParams()).to_dict(
                top=top)['patterns']
        except TooManyClusters as e:
            notes.append('patterns: not aggregated (%s)' % e)
            return []
    out = []
    for p in pats[:top]:
        out.append({'rank': int(p.get('rank', len(out) + 1)),
                    'share': float(p.get('share', 0.0)),
                    'score': float(p.get('score', 0.0)),
                    'culprit': _side(p.get('culprit') or {}, viewer, True),
                    'victim': _side(p.get('victim') or {}, viewer, False)})
    return out


def _involves(inc, names):
    return any(n in names for n in inc.get('victim_nfs', {})) or any(
        c.get('nf') in names for c in inc.get('causes', []))


def _cause(c, viewer, victims_visible):
    nf = c.get('nf')
    kind = c.get('kind')
    shown = viewer.visible(nf) or (kind == 'source' and victims_visible)
    return {'nf': viewer.label(nf), 'kind': kind,
            'nf_type': c.get('nf_type', ''),
            'share_of_victims': c.get('share_of_victims'),
            'share': c.get('share'), 'score': c.get('score'),
            'rank': c.get('rank'), 'start_ns': c.get('start_ns'),
            'end_ns': c.get('end_ns'), 'culprit_packets': c.get('culprit_packets'),
            'flows': list(c.get('flows') or []) if shown else [],
            'flows_hidden': bool(c.get('flows')) and not shown}


def _evidence(inputs, inc, viewer, per_incident):
    lo, hi = inc['start_ns'], inc['end_ns']
    docs = [v for v in inputs.victims if lo <= v.get('time_ns', -1) <= hi
            and viewer.visible(v.get('nf'))]
    docs.sort(key=lambda v: -(v['latency_ns'] if v.get('latency_ns') is not None
                              else float('inf')))
    out = []
    for v in [docs[i] for i in spread(range(len(docs)), [d['nf'] for d in docs],
                                      per_incident)]:
        pkt = v.get('packet') or {}
        out.append({'nf': viewer.label(v['nf']), 'kind': v.get('kind'),
                    'time_ns': v['time_ns'], 'latency_ns': v.get('latency_ns'),
                    'flow': pkt.get('flow'), 'ipid': pkt.get('ipid'),
                    'causes': [_cause(c, viewer, True) for c in v.get('causes', [])]})
    return out


def _series(inputs, inc, viewer, notes):
    lead = [c['nf'] for c in inc.get('causes', [])[:1]
            if c.get('kind') != 'source' and c.get('nf')]
    nfs = [n for n in list(inc.get('victim_nfs', {}))[:1] + lead
           if viewer.visible(n) and n in inputs.topology.names]
    nfs = list(dict.fromkeys(nfs))
    if not nfs:
        return []
    pad = max(500_000, (inc['end_ns'] - inc['start_ns']) // 4)
    lo, hi = inc['start_ns'] - pad, inc['end_ns'] + pad
    try:
        trace = inputs.trace_loader(lo, hi)
    except Exception as e:      # records unreadable: the report still stands
        notes.append('queue plots: records not loaded (%s)' % e)
        return []
    if trace is None:
        return []
    return [nf_series(trace, n, lo, hi) for n in nfs if n in trace.names]


def incidents(inputs, viewer, nf, start_ns, end_ns, top, per_incident,
              with_series, notes):
    incs = inputs.incidents
    if start_ns is not None:
        incs = [i for i in incs if i['end_ns'] >= start_ns]
    if end_ns is not None:
        incs = [i for i in incs if i['start_ns'] < end_ns]
    if nf is not None:
        incs = [i for i in incs if _involves(i, {nf})]
    if viewer.vendor is not None:
        incs = [i for i in incs if _involves(i, set(viewer.own_nfs()))]
    big = sorted(incs, key=lambda x: -x['victim_packets'])[:top]
    if with_series and inputs.trace_loader is None:
        notes.append('queue plots: no record files or stored records to '
                     'reconstruct queues from')
        with_series = False
    out = []
    for inc in big:
        vis_nfs = {viewer.label(n): c for n, c in inc.get('victim_nfs', {}).items()}
        all_vis = all(viewer.visible(n) for n in inc.get('victim_nfs', {}))
        series = _series(inputs, inc, viewer, notes) if with_series else []
        out.append({
            'start_ns': inc['start_ns'], 'end_ns': inc['end_ns'],
            'victim_packets': inc['victim_packets'], 'victim_nfs': vis_nfs,
            'unexplained': inc.get('unexplained', 0),
            'causes': [_cause(c, viewer, all_vis) for c in inc.get('causes', [])],
            'evidence': _evidence(inputs, inc, viewer, per_incident),
            'series': [s.to_dict(inputs.t0_ns) for s in series],
            'series_obj': series})
    return out


def flow_text(f):
    """``src:sport -> dst:dport proto`` of a flow dict."""
    if not f:
        return '-'
    proto = {6: 'tcp', 17: 'udp', 1: 'icmp'}.get(f.get('proto'), str(f.get('proto')))
    return '%s:%s -> %s:%s %s' % (f['src'], f['sport'], f['dst'], f['dport'], proto)
