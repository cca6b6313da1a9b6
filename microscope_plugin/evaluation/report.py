"""The whole evaluation as one call: protocol, sweeps, figures, report.

    report = evaluate_all(ProtocolConfig(), out_dir, window_sweep=True,
                          detail_sweeps=False)
    print(render(report))

Writes into ``out_dir``: ``run/`` (the emulated protocol run),
``sweeps/<kind>-<value>/`` (§6.3 runs), ``evaluation.json`` (every
figure below) and the PNG figures.
"""
import dataclasses
import gc
import json
import os
import time

import numpy as np

from microscope_plugin.evaluation import protocol
from microscope_plugin.evaluation import sweeps as sweeps_mod
from microscope_plugin.evaluation.accuracy import FAULT_KINDS


def _hops_table(ev):
    out = {}
    for name, r in ev.ranks.items():
        for h, row in sweeps_mod.by_key(r, r.hops).items():
            out.setdefault(h, {})[name] = row
    m = ev.ranks['microscope']
    for h, row in sweeps_mod.by_key(m, m.hops, strict=True).items():
        out[h]['microscope_strict'] = row
    return out


def _faults(ev):
    rows = []
    counts = {}
    m = ev.ranks['microscope']
    for f in ev.truth_json['faults']:
        sel = m.fault == f['id']
        counts[f['id']] = int(sel.sum())
        rows.append({'id': f['id'], 'kind': f['kind'],
                     'where': f.get('nf') or f.get('source'),
                     'size': f.get('packets') if f['kind'] != 'interrupt'
                     else round(f.get('duration_us', 0)),
                     'truth_victims': f.get('victims'),
                     'evaluated_victims': counts[f['id']],
                     'microscope_rank1': float((m.rank_strict[sel] <= 1).mean())
                     if sel.any() else None,
                     'netmedic_rank1': float(
                         (ev.ranks['netmedic'].rank[sel] <= 1).mean())
                     if sel.any() else None})
    return rows


def evaluate_all(cfg, out_dir, window_sweep=True, detail_sweeps=False,
                 windows_ms=sweeps_mod.WINDOWS_MS,
                 burst_sizes=sweeps_mod.BURST_SIZES,
                 interrupt_us=sweeps_mod.INTERRUPT_US, per_point=5, plots=True,
                 progress=None):
    """Run everything; returns the report dict (also in evaluation.json)."""
    say = progress or (lambda *a: None)
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    ev = protocol.run_protocol(cfg, os.path.join(out_dir, 'run'), progress=say)
    rep = {'config': dataclasses.asdict(cfg),
           'victim_threshold_ns': int(ev.results['microscope'].victims.threshold_ns),
           'victim_hops': int(len(ev.results['microscope'].victims)),
           'accuracy': ev.tables(), 'faults': _faults(ev),
           'hops': _hops_table(ev), 'timings': dict(ev.timings)}
    figs = {}
    if plots:
        from microscope_plugin.evaluation import plots as P
        figs['rank_cdf'] = P.rank_cdf(ev.ranks, os.path.join(out_dir, 'fig11-rank-cdf.png'))
        figs['per_fault'] = P.per_fault(ev.ranks, os.path.join(out_dir, 'fig12-per-fault.png'))
    if window_sweep:
        ws = sweeps_mod.window_sweep(ev, windows_ms, say)
        rep['window_sweep'] = {w: sweeps_mod.rates(r.rank) for w, r in ws.items()}
        if plots:
            figs['window_sweep'] = P.window_sweep(
                {w: v['rank1'] for w, v in rep['window_sweep'].items()},
                rep['accuracy']['microscope']['component']['all'].get('rank1', 0.0),
                os.path.join(out_dir, 'fig13-netmedic-window.png'))
    if detail_sweeps:
        ev.release()        # the sweeps run one emulation at a time
        gc.collect()
        root = os.path.join(out_dir, 'sweeps')
        b = sweeps_mod.fault_sweep(cfg, 'burst', burst_sizes, root, per_point, say)
        i = sweeps_mod.fault_sweep(cfg, 'interrupt', interrupt_us, root, per_point, say)
        rep['burst_sweep'] = sweeps_mod.sweep_table(b)
        rep['interrupt_sweep'] = sweeps_mod.sweep_table(i)
    if plots:
        figs['detail'] = P.detail_sweeps(rep.get('burst_sweep'),
                                         rep.get('interrupt_sweep'), rep['hops'],
                                         os.path.join(out_dir, 'fig-6.3-sweeps.png'))
    rep['figures'] = figs
    rep['timings']['total_s'] = time.perf_counter() - t0
    with open(os.path.join(out_dir, 'evaluation.json'), 'w') as fh:
        json.dump(rep, fh, indent=2, default=_json_default)
    rep['_evaluation'] = ev
    return rep


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    return str(o)


def _pct(x):
    return '   -  ' if x is None or (isinstance(x, float) and np.isnan(x)) \
        else '%5.1f%%' % (100 * x)


def _acc_rows(label, table):
    out = []
    for k in ('all',) + FAULT_KINDS:
        row = table.get(k, {})
        n = row.get('victims', 0)
        out.append('  %-28s %-10s %8d   %s   %s   %s'
                   % (label if k == 'all' else '', k, n, _pct(row.get('rank1')),
                      _pct(row.get('rank2')), _pct(row.get('rank5'))))
    return out


def _sweep_rows(title, xlabel, table):
    out = [title, '  %-10s %8s   %-22s %-22s %-22s' % (
        xlabel, 'victims', 'Microscope r1/r2', 'Microscope+flows r1', 'NetMedic r1/r2')]
    for x in sorted(table, key=float):
        row = table[x]
        m, s, n = row['microscope'], row.get('microscope_strict', {}), row['netmedic']
        out.append('  %-10s %8d   %s / %s        %s                %s / %s'
                   % ('%g' % float(x), m['victims'], _pct(m['rank1']), _pct(m['rank2']),
                      _pct(s.get('rank1')), _pct(n['rank1']), _pct(n['rank2'])))
    return out


def render(rep):
    c = rep['config']
    out = ['Protocol (§6.2): %s, %.1f s at seed %d, %d bursts (%d-%d pkts), '
           '%d interrupts (%g-%g us), %d bugs (%d-%d pkts); NetMedic window %g ms'
           % (c['preset'], c['duration_s'], c['seed'], c['bursts'],
              c['burst_packets'][0], c['burst_packets'][1], c['interrupts'],
              c['interrupt_us'][0], c['interrupt_us'][1], c['bugs'],
              c['bug_packets'][0], c['bug_packets'][1], c['netmedic_window_ms']),
           'Victims: %d victim hops (latency >= %.1f us or lost); a victim packet '
           'counts when the counterfactual attributes it to an injected fault.'
           % (rep['victim_hops'], rep['victim_threshold_ns'] / 1e3), '',
           '  %-28s %-10s %8s   %6s   %6s   %6s'
           % ('diagnoser', 'fault', 'victims', 'rank1', 'rank<=2', 'rank<=5')]
    acc = rep['accuracy']
    out += _acc_rows('Microscope (culprit + flows)', acc['microscope']['strict'])
    out += _acc_rows('Microscope (culprit NF/src)', acc['microscope']['component'])
    out += _acc_rows('NetMedic (culprit NF/src)', acc['netmedic']['component'])
    out += ['', 'Per injected fault (rank-1 of its victim packets):',
            '  %3s %-9s %-10s %6s %9s %9s %11s %9s' % (
                'id', 'kind', 'where', 'size', 'truth', 'evaluated',
                'Microscope', 'NetMedic')]
    for f in rep['faults']:
        out.append('  %3d %-9s %-10s %6s %9s %9d %11s %9s' % (
            f['id'], f['kind'], f['where'], f['size'], f['truth_victims'],
            f['evaluated_victims'], _pct(f['microscope_rank1']),
            _pct(f['netmedic_rank1'])))
    if 'window_sweep' in rep:
        out += ['', 'NetMedic window sweep (Fig. 13):',
                '  %-10s %6s   %6s   %6s' % ('window ms', 'rank1', 'rank<=2', 'rank<=5')]
        for w in sorted(rep['window_sweep'], key=float):
            r = rep['window_sweep'][w]
            out.append('  %-10g %s   %s   %s' % (float(w), _pct(r['rank1']),
                                                 _pct(r['rank2']), _pct(r['rank5'])))
        best = max(rep['window_sweep'], key=lambda w: rep['window_sweep'][w]['rank1'])
        out.append('  best window: %g ms (rank-1 %s)'
                   % (float(best), _pct(rep['window_sweep'][best]['rank1'])))
    out += [''] + _sweep_rows('Accuracy vs propagation hops (§6.3):', 'hops',
                              rep['hops'])
    if 'burst_sweep' in rep:
        out += [''] + _sweep_rows('Accuracy vs burst size (§6.3):', 'packets',
                                  rep['burst_sweep'])
    if 'interrupt_sweep' in rep:
        out += [''] + _sweep_rows('Accuracy vs interrupt length (§6.3):', 'us',
                                  rep['interrupt_sweep'])
    if rep.get('figures'):
        out += ['', 'Figures: ' + ', '.join(rep['figures'].values())]
    t = rep['timings']
    out += ['', 'Timings: ' + ', '.join('%s %.1f s' % (k[:-2], v) for k, v in t.items())]
    return '\n'.join(out) + '\n'
