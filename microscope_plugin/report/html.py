"""The report as ONE self-contained HTML file: inline CSS, figures as
base64 PNG data URIs, no script and no external resource.  Every text
that comes from data (NF names, flows, vendors, paths) is escaped."""
import html

from microscope_plugin.report import plots
from microscope_plugin.report.sections import flow_text

CSS = """
body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px}h2{font-size:17px;border-bottom:1px solid #ccc;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.culprit{color:#b00;font-weight:bold}.victim{color:#055}.muted{color:#777}
.headline{font-size:16px;background:#fff6e5;border:1px solid #e8c27a;padding:8px}
img{max-width:100%}.incident{border:1px solid #ddd;padding:8px;margin:10px 0}
code{font-size:12px}@media print{body{margin:0}.incident{break-inside:avoid}}
"""


class Raw(str):
    """Markup built here (already escaped), not data."""


def e(x):
    return html.escape('' if x is None else str(x), quote=True)


def pct(x):
    """A share as a percentage; a small non-zero one is not shown as 0."""
    if x is None:
        return '-'
    x = float(x)
    return '<0.1%' if 0 < x < 0.0005 else '%.1f%%' % (100 * x)


def _ms(ns, t0):
    return '-' if ns is None else '%.3f' % ((ns - t0) / 1e6)


def _table(head, rows, cls=None):
    out = ['<table%s><tr>' % (' class="%s"' % cls if cls else '')]
    out += ['<th>%s</th>' % e(h) for h in head]
    out.append('</tr>')
    for r in rows:
        out.append('<tr>' + ''.join(c if isinstance(c, Raw) else '<td>%s</td>' % e(c)
                                    for c in r) + '</tr>')
    out.append('</table>')
    return ''.join(out)


def num(x):
    return Raw('<td class="n">%s</td>' % e(x))


def _meta(r):
    m = r.meta
    t0 = m['t0_ns']
    scope = 'operator view (all NFs)' if m['vendor'] is None else \
        'vendor view: %s (own NFs: %s)' % (m['vendor'], ', '.join(m['own_nfs'] or []))
    rows = [['Scope', scope], ['Source', m['source']], ['Topology', m['topology']],
            ['NF', m['nf'] or 'all'],
            ['Time range (ms from start)', '%s .. %s' % (
                _ms(m['start_ns'], t0) if m['start_ns'] is not None else 'start',
                _ms(m['end_ns'], t0) if m['end_ns'] is not None else 'end')],
            ['Diagnoser', m['diagnoser']],
            ['Victims diagnosed (whole run)', m['victims']],
            ['Causal relation rows in scope', m['relation_rows']],
            ['Generated', m['generated_at']]]
    return _table(['', ''], rows)


def _headline(r):
    c = r.culprits()
    if not c:
        return '<p class="headline">No NF is a culprit in this scope.</p>'
    top = c[0]
    return ('<p class="headline">Named first: <span class="culprit">%s</span> '
            '(%s) caused %s of the score in scope%s.</p>'
            % (e(top['nf']), e(top['type']), pct(top['caused']),
               '; other culprits: ' + e(', '.join(x['nf'] for x in c[1:4]))
               if len(c) > 1 else ''))


def _verdicts(r):
    rows = []
    for v in r.verdicts:
        cls = 'culprit' if v['verdict'] == 'culprit' else \
            'muted' if v['verdict'] == 'not involved' else 'victim'
        blamed = ', '.join('%s %s' % (b['nf'], pct(b['share'])) for b in v['blamed'])
        rows.append([v['nf'], v['type'], v['vendor'],
                     Raw('<td class="%s">%s</td>' % (cls, e(v['verdict']))),
                     num(pct(v['caused'])), num(pct(v['local'])),
                     num(pct(v['upstream'])), num(pct(v['traffic'])),
                     num(v['victims']), blamed or '-'])
    return _table(['NF', 'type', 'vendor', 'verdict', 'caused', 'of which local',
                   'suffered from upstream', 'suffered from traffic',
                   'victims at NF', 'blamed for its victims'], rows)


def _matrix(m, fig_title):
    rows = [[name] + [num(pct(x)) for x in vals] for name, vals in zip(m.rows, m.values)]
    return (_table(['culprit \\ victim'] + list(m.cols), rows)
            + '<p class="muted">Shares of the total score %.4g (cells sum to %s).</p>'
            % (m.total, pct(float(m.values.sum()) if m.values.size else 0))
            + '<img alt="%s" src="%s">' % (e(fig_title), plots.matrix_png(m, fig_title)))


def _side(s):
    return '%s %s %s %s %s @ %s' % (s['src'], s['dst'], s['proto'], s['sport'],
                                    s['dport'], s['nf'])


def _patterns(r):
    if not r.patterns:
        return '<p class="muted">No pattern above the threshold.</p>'
    rows = [[num(p['rank']), num(pct(p['share'])), _side(p['culprit']), '=>',
             _side(p['victim'])] for p in r.patterns]
    return _table(['#', 'share', 'culprit (src dst proto sport dport @ NF)', '',
                   'victim (src dst proto sport dport @ NF)'], rows)


def _gaps(r):
    g = r.time_gaps
    if not len(g):
        return '<p class="muted">No causal relation in scope.</p>'
    q = g.to_dict(points=2)['quantiles_ms']
    return ('<p>%d relations; median %.3f ms, p90 %.3f ms, max %.3f ms.</p>'
            % (len(g), q['p50'], q['p90'], q['p100'])
            + '<img alt="time gap CDF" src="%s">' % plots.gap_cdf_png(g))


def _cause_line(c):
    flows = '; '.join('%s (%d pkts)' % (flow_text(f), f.get('packets', 0))
                      for f in c['flows'][:3])
    if c.get('flows_hidden'):
        flows = 'flows hidden (another vendor\'s NF)'
    share = c['share_of_victims'] if c.get('share_of_victims') is not None else c['share']
    who = c['nf'] if c['nf'].endswith('(%s)' % c['nf_type']) else \
        '%s (%s)' % (c['nf'], c['nf_type'])
    return '[%s] %s %s%s' % (pct(share), c['kind'], who, ': ' + flows if flows else '')


def _incident(i, n, t0):
    out = ['<div class="incident"><h3>Incident %d: %s-%s ms, %d victim packets</h3>'
           % (n, _ms(i['start_ns'], t0), _ms(i['end_ns'], t0), i['victim_packets'])]
    out.append('<p>Victims at: %s</p>' % e(', '.join(
        '%s (%d)' % kv for kv in list(i['victim_nfs'].items())[:6]) or '-'))
    out.append('<p>Leading causes (share of victims ranking them first):</p><ul>%s</ul>'
               % ''.join('<li>%s</li>' % e(_cause_line(c)) for c in i['causes']))
    for s in i['series_obj']:
        title = 'Queue and rates at %s' % s.nf
        out.append('<img alt="%s" src="%s">' % (e(title), plots.series_png(
            s, t0, title, (i['start_ns'], i['end_ns']))))
    if i['evidence']:
        rows = []
        for v in i['evidence']:
            lat = 'lost' if v['latency_ns'] is None else '%.1f' % (v['latency_ns'] / 1e3)
            rows.append([v['nf'], v['kind'], num(_ms(v['time_ns'], t0)), num(lat),
                         flow_text(v['flow']), num(v['ipid'] if v['ipid'] is not None
                                                   else '-'),
                         Raw('<td>%s</td>' % '<br>'.join(e(_cause_line(c))
                                                         for c in v['causes'][:3]))])
        out.append('<p>Evidence packets (slowest victims and their culprits):</p>')
        out.append(_table(['victim NF', 'kind', 'time (ms)', 'latency (us)', 'flow',
                           'IPID', 'ranked culprits (share of the victim\'s score)'],
                          rows))
    else:
        out.append('<p class="muted">No victim packet sample stored for this '
                   'incident in scope.</p>')
    out.append('</div>')
    return ''.join(out)


def render_html(report):
    """The report as a self-contained HTML string."""
    r = report
    t0 = r.meta['t0_ns']
    parts = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
             '<title>%s</title><style>%s</style></head><body>' % (e(r.meta['title']), CSS),
             '<h1>%s</h1>' % e(r.meta['title']), _meta(r), _headline(r),
             '<h2 id="verdicts">1. Verdict per NF</h2>', _verdicts(r),
             '<h2 id="table2">2. Culprit NF type x victim NF type (Table 2)</h2>',
             _matrix(r.type_matrix, 'Culprit type x victim type'),
             '<h2 id="table3">3. Culprit instance x victim NF type (Table 3)</h2>',
             _matrix(r.instance_matrix, 'Culprit instance x victim type'),
             '<h2 id="patterns">4. Top causal patterns (§4.4)</h2>', _patterns(r),
             '<h2 id="gaps">5. Culprit -> victim time gaps (Fig. 15)</h2>', _gaps(r),
             '<h2 id="incidents">6. Largest incidents: queues, rates and evidence</h2>']
    if not r.incidents:
        parts.append('<p class="muted">No incident in scope.</p>')
    for n, i in enumerate(r.incidents, 1):
        parts.append(_incident(i, n, t0))
    if r.notes:
        parts.append('<h2>Notes</h2><ul>%s</ul>'
                     % ''.join('<li>%s</li>' % e(x) for x in r.notes))
    parts.append('<p class="muted">How to read this report: docs/reports.md.</p>')
    parts.append('</body></html>')
    return '\n'.join(parts)
