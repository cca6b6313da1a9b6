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
"""
import dataclasses
import time

import numpy as np

from microscope_plugin.aggregation._hash_kernels import hash_factorize
from microscope_plugin.aggregation._pair_kernels import pattern_row_stats
from microscope_plugin.aggregation import hhh, hhh_pairs, hhh_prepare
from microscope_plugin.aggregation.factorize import factorize, factorize_values
from microscope_plugin.aggregation.hierarchy import (NFHierarchy, PortHierarchy,
                                                     PrefixHierarchy,
                                                     ProtoHierarchy,
                                                     adaptive_port_ranges)
from microscope_plugin.aggregation.records import FIELDS

SIDE_FIELDS = ('src', 'dst', 'sport', 'dport', 'proto', 'nf')
#: Column order of the Fig. 14 rendering (paper order: src dst proto sport dport NF).
SHOW_ORDER = ('src', 'dst', 'proto', 'sport', 'dport', 'nf')
BYTE_PREFIXES = (0, 8, 16, 24, 32)


@dataclasses.dataclass(frozen=True)
class AggregationParams:
    """Parameters of :func:`aggregate`.

    ``threshold``: th of §4.4, a share of the total score (default 1 %).
    ``adaptive_ports``: data-derived port ranges replace their member ports
    (otherwise the static AutoFocus ranges).  ``port_seed``: share of the
    total score a port value needs to seed a range (default threshold/4);
    ``port_gap``: largest gap between consecutive seeds of one range;
    ``port_min_run``: fewest seeds per range.  ``prefix_lengths``: allowed
    IPv4 prefix lengths (default the byte steps /0, /8, /16, /24, /32;
    ``tuple(range(33))`` for every length).  ``two_step``: the paper's
    decoupling; ``group_threshold``: first-step threshold as a share of
    each group's score (default: ``threshold``).  ``max_clusters``: guard
    on candidate clusters (a clear error instead of running out of memory).
    """

    threshold: float = 0.01
    adaptive_ports: bool = True
    port_seed: float = None
    port_gap: int = 4
    port_min_run: int = 3
    prefix_lengths: tuple = BYTE_PREFIXES
    two_step: bool = True
    group_threshold: float = None
    max_clusters: int = 2_000_000

    def __post_init__(self):
        def bad(field, msg):
            raise ValueError('AggregationParams.%s: %s' % (field, msg))
        for f in ('threshold', 'port_seed', 'group_threshold'):
            v = getattr(self, f)
            if v is None and f != 'threshold':
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) \
                    or not np.isfinite(v) or not 0 <= v <= 1:
                bad(f, 'expected a share within [0, 1], got %r' % (v,))
        for f, lo in (('port_gap', 1), ('port_min_run', 2), ('max_clusters', 1)):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                bad(f, 'expected an integer >= %d, got %r' % (lo, v))
        lengths = tuple(sorted(set(self.prefix_lengths)))
        if not lengths or lengths[0] != 0 or lengths[-1] != 32 \
                or any(not isinstance(x, (int, np.integer)) or not 0 <= x <= 32
                       for x in lengths):
            bad('prefix_lengths', 'integers within 0..32 including 0 and 32, '
                'got %r' % (self.prefix_lengths,))
        object.__setattr__(self, 'prefix_lengths', lengths)

    @property
    def seed_share(self):
        return self.threshold / 4 if self.port_seed is None else self.port_seed

    @property
    def first_step_threshold(self):
        return self.threshold if self.group_threshold is None else self.group_threshold


@dataclasses.dataclass(frozen=True)
class Pattern:
    """One reported pattern.  ``score``: weight not explained by reported
    more specific patterns (what is ranked and compared with the
    threshold); ``total``: all weight inside the pattern.  ``culprit`` and
    ``victim`` map src, dst, sport, dport, proto, nf to readable labels.
    ``attributed``: the pattern's part once every record's weight is split
    evenly over the reported patterns that explain it (the most specific
    ones holding it); unlike scores, these add up to at most the total.
    ``rows``: expanded relation rows inside the pattern; the time spans
    are those rows' culprit and victim times."""

    rank: int
    score: float
    share: float
    total: float
    culprit: dict
    victim: dict
    culprit_nf_level: str
    victim_nf_level: str
    lo: tuple
    hi: tuple
    attributed: float = 0.0
    rows: int = 0
    culprit_time_ns: tuple = (0, 0)
    victim_time_ns: tuple = (0, 0)

    def to_dict(self):
        return {
            'rank': self.rank,
            'score': self.score,
            'share': self.share,
            'total': self.total,
            'attributed': self.attributed,
            'culprit': dict(self.culprit, nf_level=self.culprit_nf_level),
            'victim': dict(self.victim, nf_level=self.victim_nf_level),
            'rows': self.rows,
            'culprit_time_ns': list(self.culprit_time_ns),
            'victim_time_ns': list(self.victim_time_ns),
        }

    def cells(self):
        return ([self.culprit[k] for k in SHOW_ORDER] + ['=>']
                + [self.victim[k] for k in SHOW_ORDER])

    def render(self):
        """One Fig.-14-style line: culprit 5-tuple, location => victim."""
        return '  '.join(self.cells()) + '  : %.2f%%' % (100 * self.share)

    def contains(self, field_lo, field_hi=None):
        """Whether the 12 field nodes (domain values; see
        :func:`domain_values`) lie inside this pattern."""
        field_hi = field_lo if field_hi is None else field_hi
        return all(a <= x and y <= b for a, b, x, y in
                   zip(self.lo, self.hi, field_lo, field_hi))


@dataclasses.dataclass
class AggregationResult:
    patterns: list
    total: float
    params: AggregationParams
    port_ranges: dict
    stats: dict

    def __len__(self):
        return len(self.patterns)

    @property
    def explained(self):
        return float(sum(p.score for p in self.patterns))

    def to_dict(self, top=None):
        pats = self.patterns if top is None else self.patterns[:top]
        return {
            'total': self.total,
            'threshold': self.params.threshold,
            'adaptive_ports': self.params.adaptive_ports,
            'port_ranges': {k: ['%d-%d' % tuple(r) for r in v]
                            for k, v in self.port_ranges.items()},
            'count': len(self.patterns),
            'patterns': [p.to_dict() for p in pats],
            'stats': self.stats,
        }

    def render(self, top=None):
        """Fig.-14-style table of the ranked patterns."""
        pats = self.patterns if top is None else self.patterns[:top]
        head = (['#', 'share'] + ['c.' + k for k in SHOW_ORDER] + ['']
                + ['v.' + k for k in SHOW_ORDER])
        rows = [[str(p.rank), '%.2f%%' % (100 * p.share)] + p.cells() for p in pats]
        widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
        out = ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
               for r in [head] + rows]
        return '\n'.join(out) + '\n'


# ------------------------------------------------------------------ fields

def hierarchies(catalog, params, records=None):
    """The twelve field hierarchies (port ranges from ``records`` when
    ``params.adaptive_ports``)."""
    ip = PrefixHierarchy(params.prefix_lengths)
    proto = ProtoHierarchy()
    nf = NFHierarchy(catalog)
    out = []
    total = float(records.weight.sum()) if records is not None else 0.0
    for name in FIELDS:
        kind = name[2:]
        if kind in ('src', 'dst'):
            out.append(ip)
        elif kind in ('sport', 'dport'):
            ranges = None
            if params.adaptive_ports and records is not None:
                ranges = adaptive_port_ranges(getattr(records, name), records.weight,
                                              total, params.seed_share,
                                              params.port_gap, params.port_min_run)
            out.append(PortHierarchy(ranges, name=name))
        elif kind == 'proto':
            out.append(proto)
        else:
            out.append(nf)
    return out


def domain_values(records, nf_hier, fields=FIELDS):
    """(N, len(fields)) int64 domain values of the records' fields."""
    cols = []
    for name in fields:
        a = getattr(records, name)
        if name.endswith('_nf'):
            cols.append(nf_hier.to_domain(a))
        else:
            cols.append(a.astype(np.int64))
    if not cols:
        return np.zeros((len(records), 0), dtype=np.int64)
    return np.column_stack(cols)


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
    patterns = _make_patterns(res, hiers, total, vals, records, state)
    stats['patterns_s'] = time.perf_counter() - t2
    stats['patterns'] = len(patterns)
    stats['total_s'] = time.perf_counter() - t0
    return AggregationResult(patterns, total, params, port_ranges, stats)


def _row_stats(state, vals, records, npat):
    """Rows inside each pattern and their culprit/victim time spans.

    Each row is mapped, field by field, to the deepest tree node holding
    its value; per side, rows inside exactly the same candidate halves
    form an atom; a pattern <c, v> holds the rows whose culprit atom lies
    in c and whose victim atom lies in v."""
    prep = state['prep']
    D = vals.shape[1]
    ids = np.empty(vals.shape, dtype=np.int64)
    for d in range(D):
        ids[:, d] = prep.trees[d].deepest(vals[:, d])
    ok = np.flatnonzero((ids >= 0).all(axis=1))
    if ok.size == 0 or npat == 0:
        return np.zeros(npat, np.int64), np.zeros((npat, 4), np.int64)
    atoms = []
    for side in (state['culprit'], state['victim']):
        T = np.ascontiguousarray(ids[ok][:, side['dims']])
        atoms.append(hhh_pairs.side_atoms(T, side['cards'], side['ids'], side['tout']))
    (ca, cptr, cidx, nca), (va, vptr, vidx, nva) = atoms
    inv, first = factorize([ca, va], [nca, nva])
    order = np.argsort(inv, kind='stable')
    starts = np.searchsorted(inv[order], np.arange(first.size))
    ct = records.c_t_ns[ok][order]
    vt = records.v_t_ns[ok][order]
    cnt = np.diff(np.append(starts, ok.size)).astype(np.int64)
    return pattern_row_stats(
        ca[first].astype(np.int64), va[first].astype(np.int64), cnt,
        np.minimum.reduceat(ct, starts), np.maximum.reduceat(ct, starts),
        np.minimum.reduceat(vt, starts), np.maximum.reduceat(vt, starts),
        cptr, cidx, vptr, vidx, state['pattern'], npat)


def _make_patterns(res, hiers, total, vals, records, state):
    if len(res) == 0:
        return []
    rows, span = _row_stats(state, vals, records, len(res))
    # rank: score, then total (both at a relative precision of 1e-9), then
    # the most specific first, then the fields' values
    sizes = np.array([h.size for h in hiers], dtype=np.float64)
    width = (np.log2(res.hi - res.lo + 1.0) / np.log2(sizes)).sum(axis=1)
    q = max(total, 1e-300) * 1e-9
    keys = [res.lo[:, d] for d in range(res.lo.shape[1] - 1, -1, -1)]
    order = np.lexsort(keys + [np.round(width, 9), -np.round(res.total / q),
                               -np.round(res.score / q)])
    nf = hiers[5]
    out = []
    for rank, i in enumerate(order):
        labels = [h.label(res.lo[i, d], res.hi[i, d]) for d, h in enumerate(hiers)]
        out.append(Pattern(
            rank=rank + 1,
            score=float(res.score[i]),
            share=float(res.score[i] / total),
            total=float(res.total[i]),
            culprit=dict(zip(SIDE_FIELDS, labels[:6])),
            victim=dict(zip(SIDE_FIELDS, labels[6:])),
            culprit_nf_level=nf.level_name(res.lo[i, 5], res.hi[i, 5]),
            victim_nf_level=nf.level_name(res.lo[i, 11], res.hi[i, 11]),
            lo=tuple(int(x) for x in res.lo[i]),
            hi=tuple(int(x) for x in res.hi[i]),
            attributed=float(res.attributed[i]),
            rows=int(rows[i]),
            culprit_time_ns=(int(span[i, 0]), int(span[i, 1])),
            victim_time_ns=(int(span[i, 2]), int(span[i, 3])),
        ))
    return out
