"""Summaries of causal relations that §6.5 shows.

* :func:`nf_type_matrix` — Table 2: culprit NF type x victim NF type, as
  shares of the total score (traffic sources are a culprit row);
* :func:`instance_matrix` — Table 3: culprit NF instance x victim NF type;
* :func:`time_gaps` — Fig. 15: the CDF of the time gap between the
  culprit packets and the victim of each causal relation, and
  :func:`plot_time_gap_cdf` to draw it as a PNG.

All computed from :class:`RelationRecords` columns directly (no pattern
aggregation needed).
"""
import dataclasses

import numpy as np

from microscope_plugin.aggregation.factorize import factorize_values
from microscope_plugin.aggregation.records import SOURCE_TYPE

SOURCE_LABEL = 'Traffic sources'


@dataclasses.dataclass
class Matrix:
    """Rows x columns of shares of the total score (0..1)."""

    title: str
    rows: list
    cols: list
    values: np.ndarray
    total: float

    def to_dict(self):
        return {'title': self.title, 'rows': list(self.rows), 'cols': list(self.cols),
                'values': [[float(x) for x in r] for r in self.values],
                'total': self.total}

    def cell(self, row, col):
        return float(self.values[self.rows.index(row), self.cols.index(col)])

    def render(self, digits=2):
        head = ['culprit \\ victim'] + list(self.cols)
        body = [[r] + ['%.*f%%' % (digits, 100 * v) for v in vals]
                for r, vals in zip(self.rows, self.values)]
        widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
        lines = [self.title]
        for row in [head] + body:
            lines.append('  '.join([row[0].ljust(widths[0])]
                                   + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
        return '\n'.join(lines) + '\n'


def _type_index(catalog):
    types = catalog.type_names
    idx = {t: i for i, t in enumerate(types)}
    return types, np.array([idx[t] for t in catalog.types], dtype=np.int64)


def _label(t):
    return SOURCE_LABEL if t == SOURCE_TYPE else t


def nf_type_matrix(records, catalog):
    """Table 2: share of the total score per (culprit NF type, victim NF
    type); rows are every type including traffic sources, columns the
    types that appear as victims (or every non-source type)."""
    records.validate(catalog)
    types, tid = _type_index(catalog)
    total = float(records.weight.sum())
    n = len(types)
    m = np.zeros((n, n))
    if len(records) and total > 0:
        ct, vt = tid[records.c_nf], tid[records.v_nf]
        m = np.bincount(ct * n + vt, weights=records.weight,
                        minlength=n * n).reshape(n, n) / total
    cols = [i for i, t in enumerate(types) if t != SOURCE_TYPE or m[:, i].any()]
    return Matrix('Culprit NF type x victim NF type (share of the total score)',
                  [_label(t) for t in types], [_label(types[i]) for i in cols],
                  m[:, cols], total)


def instance_matrix(records, catalog, culprit_type=None):
    """Table 3: share of the total score per (culprit NF instance, victim
    NF type); ``culprit_type`` keeps the instances of one type."""
    records.validate(catalog)
    types, tid = _type_index(catalog)
    total = float(records.weight.sum())
    nn, nt = len(catalog), len(types)
    m = np.zeros((nn, nt))
    if len(records) and total > 0:
        m = np.bincount(records.c_nf.astype(np.int64) * nt + tid[records.v_nf],
                        weights=records.weight, minlength=nn * nt).reshape(nn, nt) / total
    if culprit_type is not None:
        if culprit_type not in types:
            raise ValueError('culprit_type: unknown NF type %r (types: %s)'
                             % (culprit_type, ', '.join(types)))
        rows = [i for i in range(nn) if catalog.types[i] == culprit_type]
    else:
        rows = list(range(nn))
    cols = [i for i, t in enumerate(types) if t != SOURCE_TYPE or m[:, i].any()]
    title = 'Culprit NF instance x victim NF type (share of the total score)'
    if culprit_type is not None:
        title = 'Culprit %s instances x victim NF type (share of the total score)' \
            % culprit_type
    return Matrix(title, [catalog.names[i] for i in rows],
                  [_label(types[i]) for i in cols], m[np.ix_(rows, cols)], total)


@dataclasses.dataclass
class TimeGapCDF:
    """Sorted culprit -> victim gaps (ns) of the relations and the CDF."""

    gap_ns: np.ndarray
    cdf: np.ndarray
    weighted: bool

    def __len__(self):
        return len(self.gap_ns)

    def quantile(self, q):
        if len(self) == 0:
            return float('nan')
        i = int(np.searchsorted(self.cdf, q, side='left'))
        return float(self.gap_ns[min(i, len(self) - 1)])

    def to_dict(self, points=101):
        """Summary quantiles and an evenly spaced CDF curve."""
        qs = np.linspace(0, 1, points)
        return {'relations': len(self), 'weighted': self.weighted,
                'quantiles_ms': {'p%02d' % round(100 * q): self.quantile(q) / 1e6
                                 for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0)},
                'cdf': [[self.quantile(q) / 1e6, float(q)] for q in qs]}


def time_gaps(records, weighted=False):
    """Fig. 15: the gap ``v_t_ns - c_t_ns`` of every causal relation.

    A relation is the rows with the same group, victim flow, victim NF and
    victim time (one row per culprit flow); its gap uses the earliest
    culprit time.  ``weighted``: each relation counts with its score
    instead of once."""
    records.validate()
    if len(records) == 0:
        return TimeGapCDF(np.zeros(0, np.int64), np.zeros(0), weighted)
    cols = [records.group, records.v_src, records.v_dst, records.v_sport,
            records.v_dport, records.v_proto, records.v_nf, records.v_t_ns]
    inv, first = factorize_values(*cols)
    ct = np.full(first.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(ct, inv, records.c_t_ns)
    gap = records.v_t_ns[first] - ct
    w = np.bincount(inv, weights=records.weight, minlength=first.size) if weighted \
        else np.ones(first.size)
    order = np.argsort(gap, kind='stable')
    gap, w = gap[order], w[order]
    tot = w.sum()
    cdf = np.cumsum(w) / tot if tot > 0 else np.linspace(1 / gap.size, 1, gap.size)
    return TimeGapCDF(gap, cdf, weighted)


def plot_time_gap_cdf(cdf, path, title='Culprit -> victim time gap'):
    """Draw the Fig. 15 CDF (gap in ms vs share of relations) to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2), dpi=120)
    if len(cdf):
        ax.step(cdf.gap_ns / 1e6, cdf.cdf, where='post')
    ax.set_xlabel('time gap (ms)')
    ax.set_ylabel('CDF (score-weighted)' if cdf.weighted else 'CDF of relations')
    ax.set_ylim(0, 1.01)
    ax.grid(True, alpha=0.3)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, format='png')
    plt.close(fig)
    return path
