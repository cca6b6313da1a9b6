"""Figures of §6.2-6.3 as PNG files (matplotlib, Agg backend).

* :func:`rank_cdf` — Fig. 11: for x % of victim packets the injected
  culprit's rank is at most y (each curve sorted on its own).
* :func:`per_fault` — Fig. 12: the same per injected fault kind.
* :func:`window_sweep` — Fig. 13: NetMedic's rank-1 rate per window size.
* :func:`detail_sweeps` — §6.3: rank-1 rate against burst size,
  interrupt length and propagation hops.

matplotlib is an optional dependency (``pip install matplotlib``); the
functions raise ImportError without it.
"""
import numpy as np

from microscope_plugin.evaluation.accuracy import FAULT_KINDS, NOT_FOUND

STYLE = {'microscope': dict(color='tab:blue', label='Microscope'),
         'microscope_strict': dict(color='tab:cyan', ls='--',
                                   label='Microscope (culprit flows too)'),
         'netmedic': dict(color='tab:red', label='NetMedic')}


def _plt():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _curve(ax, r, cap, **style):
    r = np.sort(np.minimum(r, cap))
    if not len(r):
        return
    x = 100.0 * np.arange(1, len(r) + 1) / len(r)
    ax.step(np.concatenate(([0.0], x)), np.concatenate(([r[0]], r)), where='pre',
            **style)


def _cap(ranks_list):
    found = [r[r < NOT_FOUND] for r in ranks_list]
    top = max([int(f.max()) for f in found if len(f)] + [1])
    return top + 1


def _cdf_axes(ax, series, title):
    cap = _cap([r for _, r in series])
    for name, r in series:
        _curve(ax, r, cap, **STYLE[name])
    ax.set_xlim(0, 100)
    ax.set_ylim(0.5, cap + 0.5)
    ax.set_xlabel('victim packets (cumulative %)')
    ax.set_ylabel('rank of the injected culprit')
    ticks = list(range(1, cap + 1))
    ax.set_yticks(ticks)
    ax.set_yticklabels([str(t) for t in ticks[:-1]] + ['not\nfound'])
    ax.set_title(title)
    ax.grid(alpha=0.3)


def rank_cdf(ranks, path, title='Diagnostic accuracy (Fig. 11)'):
    """``ranks``: {diagnoser: Ranks}."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    series = [('microscope', ranks['microscope'].rank),
              ('microscope_strict', ranks['microscope'].rank_strict),
              ('netmedic', ranks['netmedic'].rank)]
    _cdf_axes(ax, series, title + ' — %d victim packets' % len(ranks['microscope']))
    ax.legend(loc='upper left')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def per_fault(ranks, path):
    """Fig. 12: one panel per injected fault kind."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, kind in zip(axes, FAULT_KINDS):
        m = ranks['microscope']
        sel = m.kind == kind
        nsel = ranks['netmedic'].kind == kind
        series = [('microscope', m.rank[sel]),
                  ('microscope_strict', m.rank_strict[sel]),
                  ('netmedic', ranks['netmedic'].rank[nsel])]
        _cdf_axes(ax, series, '%ss (%d victim packets)' % (kind, int(sel.sum())))
    axes[0].legend(loc='upper left')
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def window_sweep(rank1_by_window, microscope_rank1, path):
    """Fig. 13: ``rank1_by_window``: {window ms: NetMedic rank-1 rate}."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ws = sorted(rank1_by_window)
    ax.bar(range(len(ws)), [100 * rank1_by_window[w] for w in ws],
           color=STYLE['netmedic']['color'], label='NetMedic')
    ax.axhline(100 * microscope_rank1, color=STYLE['microscope']['color'],
               label='Microscope')
    ax.set_xticks(range(len(ws)))
    ax.set_xticklabels(['%g' % w for w in ws])
    ax.set_xlabel('NetMedic time window (ms)')
    ax.set_ylabel('culprit ranked first (% of victim packets)')
    ax.set_ylim(0, 105)
    ax.set_title('NetMedic window size (Fig. 13)')
    ax.legend(loc='center right')
    ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _sweep_axes(ax, table, xlabel, title):
    xs = sorted(table, key=float)
    pos = np.arange(len(xs))            # evenly spaced, labelled by value
    for name in ('microscope', 'microscope_strict', 'netmedic'):
        ys = [100 * table[x][name]['rank1'] if name in table[x] else np.nan
              for x in xs]
        ax.plot(pos, ys, marker='o', **STYLE[name])
    ax.set_xticks(pos)
    ax.set_xticklabels(['%g' % float(x) for x in xs])
    ax.set_xlabel(xlabel)
    ax.set_ylabel('culprit ranked first (%)')
    ax.set_ylim(0, 105)
    ax.set_title(title)
    ax.grid(alpha=0.3)


def detail_sweeps(bursts, interrupts, hops, path):
    """§6.3.  Each argument: {x value: {diagnoser: rates}} (or None)."""
    plt = _plt()
    panels = [(t, x, ti) for t, x, ti in (
        (bursts, 'burst size (packets)', 'Burst size'),
        (interrupts, 'interrupt length (us)', 'Interrupt length'),
        (hops, 'propagation hops (culprit NF to victim NF)', 'Propagation hops'))
        if t]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4.4),
                             squeeze=False)
    for ax, (t, xl, ti) in zip(axes[0], panels):
        _sweep_axes(ax, t, xl, ti)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='lower center', ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
