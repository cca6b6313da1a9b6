"""Verdict per NF: culprit, victim of upstream, or victim of traffic (§1-2).

From the causal relations' scores (the same weights as Table 2, §6.5), for
every NF instance k:

* ``caused``: score of relations whose culprit is k — its own slow
  processing hurting packets at k or at any NF downstream (§4.2);
* ``local``: the part of ``caused`` whose victims are at k itself;
* ``upstream``: score of relations with a victim at k and another NF as
  culprit (propagated queuing, Fig. 2-3);
* ``traffic``: score of relations with a victim at k and a traffic source
  as culprit (input bursts, Fig. 1).

Traffic sources get a row too (§4.4 counts them as NFs): ``culprit``
when their traffic caused any score.  An NF is a ``culprit`` when
``caused`` is at least each of the other two, else ``victim of
upstream`` or ``victim of traffic`` (whichever is larger), and ``not
involved`` with no relation at all.  Culprits come first, most score
first, so the NF to act on heads the list.
"""
import numpy as np

from microscope_plugin.aggregation.records import SOURCE_TYPE

CULPRIT = 'culprit'
VICTIM_UPSTREAM = 'victim of upstream'
VICTIM_TRAFFIC = 'victim of traffic'
NOT_INVOLVED = 'not involved'
ORDER = {CULPRIT: 0, VICTIM_UPSTREAM: 1, VICTIM_TRAFFIC: 2, NOT_INVOLVED: 3}


def _victims(records, k):
    sel = records.v_nf == k
    if not sel.any():
        return 0
    keys = np.stack([records.v_t_ns[sel], records.v_src[sel].astype(np.int64),
                     records.v_dst[sel].astype(np.int64),
                     records.v_sport[sel].astype(np.int64),
                     records.v_dport[sel].astype(np.int64)], axis=1)
    return int(len(np.unique(keys, axis=0)))


def verdicts(records, catalog, viewer, top_blamed=3):
    """One dict per NF instance and traffic source, culprits first."""
    is_src = np.array([t == SOURCE_TYPE for t in catalog.types], dtype=bool)
    w = records.weight
    total = float(w.sum()) or 1.0
    c_src = is_src[records.c_nf] if len(records) else np.zeros(0, bool)
    out = []
    for k, name in enumerate(catalog.names):
        by_k = records.c_nf == k
        at_k = records.v_nf == k
        caused = float(w[by_k].sum())
        local = float(w[by_k & at_k].sum())
        upstream = float(w[at_k & ~by_k & ~c_src].sum())
        traffic = float(w[at_k & c_src].sum())
        if caused == 0 and upstream == 0 and traffic == 0:
            verdict = NOT_INVOLVED
        elif is_src[k]:
            verdict = CULPRIT
        elif caused >= max(upstream, traffic):
            verdict = CULPRIT
        elif upstream >= traffic:
            verdict = VICTIM_UPSTREAM
        else:
            verdict = VICTIM_TRAFFIC
        blamed = []
        others = at_k & ~by_k
        if others.any():
            sc = np.bincount(records.c_nf[others], weights=w[others],
                             minlength=len(catalog))
            suffered = float(sc.sum()) or 1.0
            for c in np.argsort(-sc, kind='stable')[:top_blamed]:
                if sc[c] > 0:
                    blamed.append({'nf': viewer.label(catalog.names[c]),
                                   'type': catalog.types[c],
                                   'share': float(sc[c] / suffered)})
        if is_src[k] and verdict == NOT_INVOLVED:
            continue
        out.append({'nf': viewer.label(name), 'type': catalog.types[k],
                    'vendor': viewer.vendor_label(name),
                    'own': viewer.visible(name), 'verdict': verdict,
                    'caused': caused / total, 'local': local / total,
                    'upstream': upstream / total, 'traffic': traffic / total,
                    'victims': _victims(records, k), 'blamed': blamed})
    out.sort(key=lambda d: (ORDER[d['verdict']],
                            -(d['caused'] if d['verdict'] == CULPRIT
                              else d['upstream'] + d['traffic'])))
    return out
