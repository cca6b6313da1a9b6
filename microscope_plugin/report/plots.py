"""Report figures with matplotlib (Agg), as base64 PNG data URIs.

* :func:`matrix_png` — Table 2 / Table 3 as a heat map;
* :func:`gap_cdf_png` — Fig. 15, the culprit -> victim time-gap CDF;
* :func:`series_png` — Fig. 1b/2c/3c style: queue occupancy (left axis)
  and input / processing rates (right axis) of one NF around an incident.

Labels come from the report (already named for its reader), so a
vendor's figures show other vendors' NFs by role only.
"""
import base64
import io

import numpy as np


def _plt():
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    return plt


def _uri(fig):
    plt = _plt()
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format='png')
    plt.close(fig)
    return 'data:image/png;base64,' + base64.b64encode(buf.getvalue()).decode('ascii')


def matrix_png(matrix, title):
    plt = _plt()
    rows, cols = len(matrix.rows), len(matrix.cols)
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * max(cols, 1), 0.9 + 0.32 * max(rows, 1)),
                           dpi=100)
    vals = 100 * np.asarray(matrix.values, dtype=float).reshape(rows, cols)
    ax.imshow(vals if vals.size else np.zeros((1, 1)), cmap='Reds', aspect='auto',
              vmin=0, vmax=max(float(vals.max()) if vals.size else 0, 1e-9))
    ax.set_xticks(range(cols))
    ax.set_xticklabels(matrix.cols, rotation=20, ha='right', fontsize=8)
    ax.set_yticks(range(rows))
    ax.set_yticklabels(matrix.rows, fontsize=8)
    for i in range(rows):
        for j in range(cols):
            ax.text(j, i, '%.1f%%' % vals[i, j], ha='center', va='center', fontsize=7)
    ax.set_xlabel('victim NF type')
    ax.set_title(title, fontsize=9)
    return _uri(fig)


def gap_cdf_png(cdf, title='Culprit -> victim time gap (Fig. 15)'):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.0), dpi=100)
    if len(cdf):
        ax.step(cdf.gap_ns / 1e6, cdf.cdf, where='post')
        ax.set_xscale('symlog', linthresh=0.01)
    ax.set_xlabel('time gap (ms)')
    ax.set_ylabel('CDF of relations')
    ax.set_ylim(0, 1.01)
    ax.grid(True, alpha=0.3)
    ax.set_title(title, fontsize=9)
    return _uri(fig)


def series_png(series, t0_ns, title, window=None):
    """Queue occupancy and rates of one NF; ``window``: (start, end) ns of
    the incident, shaded."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.0), dpi=100)
    t = (series.t_ns - t0_ns) / 1e6
    ax.fill_between(t, series.queue, step='pre', alpha=0.35, color='tab:gray',
                    label='queue (packets)')
    ax.set_ylabel('queue occupancy (packets)')
    ax.set_xlabel('time (ms)')
    ax2 = ax.twinx()
    ax2.step(t, series.input_pps / 1e6, where='pre', color='tab:red', lw=1,
             label='input rate')
    ax2.step(t, series.processing_pps / 1e6, where='pre', color='tab:blue', lw=1,
             label='processing rate')
    ax2.set_ylabel('rate (Mpps)')
    if window is not None:
        ax.axvspan((window[0] - t0_ns) / 1e6, (window[1] - t0_ns) / 1e6,
                   color='tab:orange', alpha=0.12, label='victims')
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc='upper center',
              bbox_to_anchor=(0.5, -0.22), ncol=4, frameon=False)
    ax.set_title(title, fontsize=9)
    return _uri(fig)
