"""Evidence packets: victim packets of the largest incidents, with their
ranked culprits (the victim's queuing period traced back, §4.1-4.3).

A report shows a few victims per incident — the slowest ones (or lost) —
so that the party blamed can look at real packets: the victim's 5-tuple,
IPID, NF, time and latency, and the culprit NF, kind, score, the time
interval and the top flows of the culprit packets.
"""
import numpy as np


def spread(order, groups, n):
    """The first ``n`` of ``order`` taken round-robin over ``groups`` (the
    group of each item): the slowest victim of each NF before the second
    slowest of any, so evidence shows every NF hit, not one burst."""
    buckets = {}
    for i in order:
        buckets.setdefault(groups[i], []).append(i)
    out, lists = [], list(buckets.values())
    depth = 0
    while len(out) < n and any(depth < len(b) for b in lists):
        out += [b[depth] for b in lists if depth < len(b)][:n - len(out)]
        depth += 1
    return out


def incident_victims(times, incidents, top_incidents=10):
    """Indices into ``times`` of the victims in each of the largest
    incidents (by victim packets): [(incident, index array)]."""
    big = sorted(incidents, key=lambda x: -x['victim_packets'])[:top_incidents]
    out = []
    for inc in big:
        sel = np.flatnonzero((times >= inc['start_ns']) & (times <= inc['end_ns']))
        out.append((inc, sel))
    return out


def sample_victims(result, incidents, per_incident=5, top_incidents=10):
    """Victim documents (``victim_json``) of the slowest victims of the
    largest incidents; lost packets count as slowest."""
    V = result.victims
    if not len(V):
        return []
    lat = np.where(V.latency_ns >= 0, V.latency_ns, np.iinfo(np.int64).max)
    docs, seen = [], set()
    for _inc, sel in incident_victims(V.t_ns, incidents, top_incidents):
        slow = sel[np.argsort(-lat[sel], kind='stable')]
        for v in spread(slow, V.nf, per_incident):
            if int(v) not in seen:
                seen.add(int(v))
                docs.append(result.victim_json(int(v), max_causes=3))
    return docs
