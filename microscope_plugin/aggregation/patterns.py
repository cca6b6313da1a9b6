"""Causal patterns from expanded causal relations (§4.4).

    <culprit flow aggregate, culprit NF set> -> <victim flow aggregate,
    victim NF set> : score

:func:`aggregate` runs the paper's two steps:

1. group the rows by ``group`` (same culprit packet set and culprit NF)
   and, inside each group, aggregate the victim side (victim 5-tuple + NF)
   with the compressed HHH at ``group_threshold`` x the group's weight.
   Every victim record is attributed to its minimal reported victim
   clusters (split evenly when there are several), the group's root is
   always kept, so no weight is lost; each group becomes a few
   intermediate patterns <culprit flows, culprit NF> -> <victim cluster>,
   the culprit flows keeping their share of the group's score;
2. aggregate the intermediate patterns at ``threshold`` x the total
   score: the compressed HHH of each side alone gives the candidate
   culprit and victim halves (plus each side's root), and the compressed
   HHH over the twelve fields restricted to pairs of those halves gives
   the patterns (the paper's observation that a significant pattern's
   halves are significant on their own side; see :func:`hhh_pairs.pair_search`).

``two_step=False`` runs the second step on the rows directly.  The exact
definition is in docs/aggregation.md.

The parameters are in :mod:`.params`, the result types in
:mod:`.pattern_types`, the twelve field hierarchies in :mod:`.fields` and
the ranking of the reported patterns in :mod:`.ranking`.
"""
import time

import numpy as np

from microscope_plugin.aggregation import hhh, hhh_pairs, hhh_prepare
from microscope_plugin.aggregation._hash_kernels import hash_factorize
from microscope_plugin.aggregation.factorize import factorize, factorize_values
from microscope_plugin.aggregation.fields import domain_values, hierarchies
from microscope_plugin.aggregation.hierarchy import PortHierarchy
from microscope_plugin.aggregation.params import AggregationParams
from microscope_plugin.aggregation.pattern_types import AggregationResult
from microscope_plugin.aggregation.ranking import make_patterns


def _group_index(group):
    inv, first = hash_factorize(group.astype(np.int64))
    return inv, first.size


def _side_rows(part, P, vals):
    """``(inverse, first)`` of the distinct (part, src, dst, sport, dport,
    proto, nf) rows of one side's domain values."""
    a = ((vals[:, 0].astype(np.uint64) << np.uint64(32))
         | vals[:, 1].astype(np.uint64)).view(np.int64)
    b = (vals[:, 2] << 40) | (vals[:, 3] << 24) | (vals[:, 4] << 16)
    if vals[:, 5].max(initial=0) < (1 << 16):
        return factorize_values(part, a, b | vals[:, 5])
    return factorize_values(part, a, b, vals[:, 5])


def _two_step(records, hiers, vals, params, stats):
    """The two steps of §4.4 up to the prepared intermediate patterns.

    Step 1: per group (culprit packet set + culprit NF), the compressed
    HHH of its relations' victims at ``first_step_threshold`` x the
    group's score, the group's root always kept; each victim record's
    score is split evenly over its minimal reported victim clusters.
    The group's culprit flows keep their share of the group's score.
    Then both halves are reduced to their 1-D heavy nodes at the global
    threshold (their 1-D weights are those of the intermediate patterns
    <culprit flow, culprit NF> -> <victim cluster>: score x share) and
    expanded per group into the prepared records of the second step."""
    w = records.weight
    keep = np.flatnonzero(w > 0)
    g, G = _group_index(records.group[keep])
    w = w[keep]
    vals = vals[keep]
    gw = np.bincount(g, weights=w, minlength=G)
    thr = params.threshold * float(w.sum())
    t0 = time.perf_counter()
    # relations: distinct (group, victim) with summed score
    rinv, rfirst = _side_rows(g, G, vals[:, 6:])
    rw = np.bincount(rinv, weights=w, minlength=rfirst.size)
    rv = vals[rfirst, 6:]
    res = hhh.compressed_hhh(hiers[6:], rv, rv, rw, g[rfirst],
                             params.first_step_threshold * gw, force_root=True,
                             max_clusters=params.max_clusters)
    stats['step1_s'] = time.perf_counter() - t0
    stats['groups'] = int(G)
    stats['relations'] = int(rfirst.size)
    stats['step1_candidates'] = res.n_candidates
    stats['victim_clusters'] = len(res)
    t1 = time.perf_counter()
    # culprit flows of each group and their share of the group's score
    finv, ffirst = _side_rows(g, G, vals[:, :6])
    fw = np.bincount(finv, weights=w, minlength=ffirst.size)
    fg = g[ffirst]
    fvals = vals[ffirst, :6]
    cprep = hhh_prepare.prepare(hiers[:6], fvals, fvals, fw, None, [thr])
    vprep = hhh_prepare.prepare(hiers[6:], res.lo, res.hi, res.attributed, None, [thr])
    # per group: distinct reduced culprit records (shares) and victim
    # records (attributed scores)
    ci, cf = factorize([fg, cprep.row_record], [G, cprep.W.size])
    cshare = np.bincount(ci, weights=fw / gw[fg], minlength=cf.size)
    cgrp, crec = fg[cf], cprep.row_record[cf]
    vi, vf = factorize([res.part, vprep.row_record], [G, vprep.W.size])
    vatt = np.bincount(vi, weights=res.attributed, minlength=vf.size)
    vgrp, vrec = res.part[vf], vprep.row_record[vf]
    # expand group by group: every culprit record x every victim record
    co = np.argsort(cgrp, kind='stable')
    vo = np.argsort(vgrp, kind='stable')
    cgrp, crec, cshare = cgrp[co], crec[co], cshare[co]
    vgrp, vrec, vatt = vgrp[vo], vrec[vo], vatt[vo]
    cstart = np.searchsorted(cgrp, np.arange(G + 1))
    ncg = np.diff(cstart)
    reps = ncg[vgrp]
    vi2 = np.repeat(np.arange(vgrp.size), reps)
    first = np.cumsum(reps) - reps
    ci2 = cstart[vgrp[vi2]] + (np.arange(vi2.size) - first[vi2])
    prep = hhh_pairs.combine_sides(cprep, crec[ci2], vprep, vrec[vi2],
                                   cshare[ci2] * vatt[vi2])
    stats['intermediate_patterns'] = int(vi2.size)
    stats['expand_s'] = time.perf_counter() - t1
    return prep


def aggregate(records, catalog, params=None):
    """Ranked causal patterns of ``records`` (:class:`RelationRecords`)
    over ``catalog`` (:class:`NFCatalog`); see the module docstring."""
    params = params or AggregationParams()
    records.validate(catalog)
    t0 = time.perf_counter()
    stats = {'rows': len(records)}
    total = float(records.weight.sum())
    hiers = hierarchies(catalog, params, records)
    nf_hier = hiers[5]
    port_ranges = {h.name: [tuple(int(x) for x in r)
                            for r in zip(h.starts, h.ends)]
                   for h in hiers if isinstance(h, PortHierarchy)}
    if len(records) == 0 or total <= 0:
        stats['total_s'] = time.perf_counter() - t0
        return AggregationResult([], total, params, port_ranges, stats)
    vals = domain_values(records, nf_hier)
    stats['prepare_s'] = time.perf_counter() - t0
    if params.two_step:
        prep = _two_step(records, hiers, vals, params, stats)
    else:
        prep = hhh_prepare.prepare(hiers, vals, vals, records.weight, None,
                                   [params.threshold * total])
    t1 = time.perf_counter()
    res, side_stats, state = hhh_pairs.pair_search(prep, params.max_clusters)
    stats['step2_s'] = time.perf_counter() - t1
    stats.update(side_stats)
    stats['step2_records'] = res.n_records
    stats['step2_candidates'] = res.n_candidates
    t2 = time.perf_counter()
    patterns = make_patterns(res, hiers, total, vals, records, state)
    stats['patterns_s'] = time.perf_counter() - t2
    stats['patterns'] = len(patterns)
    stats['total_s'] = time.perf_counter() - t0
    return AggregationResult(patterns, total, params, port_ranges, stats)
