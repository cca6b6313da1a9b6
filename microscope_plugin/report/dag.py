"""The NF DAG page of a diagnosis: culprit -> victim arrows weighted by
score over the DAG (§4.2-4.3: a culprit may be hops upstream of its
victims), and the ranked causes beside it.

One self-contained HTML page: inline SVG, CSS and a small script (no
external resource).  Grey lines are the DAG's links; red arrows go from a
culprit (NF or traffic source) to the NF where its victims were
diagnosed, their width proportional to the score; a red frame marks an NF
whose own processing delayed its own packets.  Hovering a cause
highlights its arrows.  NF names go through a :class:`Viewer`, so a vendor
sees other vendors' NFs by role only.
"""
import html
import json

import numpy as np

NODE_W, NODE_H, COL_W, ROW_H, PAD = 150, 34, 220, 58, 30
MAX_ARROWS = 60

CSS = """
body{font-family:sans-serif;margin:16px;color:#222}
#wrap{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
#causes{width:320px;font-size:13px}#causes li{margin:4px 0;cursor:default}
#causes li.on{background:#ffe9e0}.node rect{fill:#eef3fb;stroke:#4a6fa5}
.node.source rect{fill:#f1f1f1;stroke:#888}.node.own rect{stroke-width:2.5}
.node text{font-size:11px}.link{stroke:#bbb;stroke-width:1.2;fill:none}
.blame{stroke:#c0392b;fill:none;opacity:.55}.blame.on{opacity:1;stroke:#ff5a00}
.ring{fill:none;stroke:#c0392b;opacity:.7}.muted{color:#777}
"""

SCRIPT = """
(function(){
  var arrows = document.querySelectorAll('path.blame, rect.ring');
  document.body.setAttribute('data-arrows', String(arrows.length));
  document.querySelectorAll('#causes li').forEach(function(li){
    var c = li.getAttribute('data-culprit');
    function set(on){
      li.classList.toggle('on', on);
      arrows.forEach(function(a){
        if (a.getAttribute('data-culprit') === c) a.classList.toggle('on', on);
      });
    }
    li.addEventListener('mouseenter', function(){ set(true); });
    li.addEventListener('mouseleave', function(){ set(false); });
  });
})();
"""


def pct(x):
    return '<0.1%' if 0 < x < 0.0005 else '%.1f%%' % (100 * x)


def e(x):
    return html.escape('' if x is None else str(x), quote=True)


def arrows_from_records(records, catalog):
    """[(culprit name, victim name, score)] summed over the relations."""
    if not len(records):
        return []
    n = len(catalog)
    s = np.bincount(records.c_nf.astype(np.int64) * n + records.v_nf,
                    weights=records.weight, minlength=n * n)
    return [(catalog.names[i // n], catalog.names[i % n], float(s[i]))
            for i in np.flatnonzero(s > 0)]


def layout(topology):
    """{name: (x, y)}: column = longest path from a source, rows in DAG
    order."""
    depth = {}
    for name in topology.topo_order():
        ups = topology.upstream(name)
        depth[name] = 1 + max(depth[u] for u in ups) if ups else 0
    cols = {}
    for name in topology.topo_order():
        cols.setdefault(depth[name], []).append(name)
    tallest = max(len(v) for v in cols.values()) if cols else 1
    pos = {}
    for d, names in cols.items():
        off = (tallest - len(names)) * ROW_H / 2
        for i, name in enumerate(names):
            pos[name] = (PAD + d * COL_W, PAD + off + i * ROW_H)
    return pos, (PAD * 2 + (max(cols) + 1) * COL_W if cols else 200,
                 PAD * 2 + tallest * ROW_H)


def _curve(a, b, bend):
    (x1, y1), (x2, y2) = a, b
    x1, y1 = x1 + NODE_W, y1 + NODE_H / 2
    y2 = y2 + NODE_H / 2
    if x2 <= x1 - NODE_W:          # culprit drawn right of its victim
        x2 = x2 + NODE_W
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2 - bend
    return 'M%.1f,%.1f Q%.1f,%.1f %.1f,%.1f' % (x1, y1, mx, my, x2, y2)


def render_dag(topology, arrows, viewer, title='NF DAG', subtitle=''):
    """The page as a string.  ``arrows``: [(culprit, victim, score)]."""
    pos, (width, height) = layout(topology)
    arrows = sorted((a for a in arrows if a[2] > 0), key=lambda a: -a[2])
    total = sum(a[2] for a in arrows) or 1.0
    shown = arrows[:MAX_ARROWS]
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" id="dag" width="%d" height="%d" '
           'viewBox="0 0 %d %d"><defs><marker id="ah" viewBox="0 0 10 10" refX="9" '
           'refY="5" markerWidth="12" markerHeight="12" markerUnits="userSpaceOnUse" '
           'orient="auto">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#c0392b"/></marker>'
           '<marker id="lh" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" '
           'markerHeight="5" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#bbb"/>'
           '</marker></defs>' % (width, height, width, height)]
    for up, down in topology.edges:
        (x1, y1), (x2, y2) = pos[up], pos[down]
        svg.append('<line class="link" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" '
                   'marker-end="url(#lh)"/>' % (x1 + NODE_W, y1 + NODE_H / 2, x2,
                                                y2 + NODE_H / 2))
    for i, (c, v, s) in enumerate(shown):
        share = s / total
        w = 1.0 + 14.0 * share
        tip = '%s -> %s: %s of the score' % (
            viewer.label(c), viewer.label(v), pct(share))
        attrs = 'data-culprit="%s" data-victim="%s" data-score="%.6g"' % (
            e(viewer.label(c)), e(viewer.label(v)), s)
        if c == v:
            x, y = pos[c]
            svg.append('<rect class="ring" %s x="%.1f" y="%.1f" width="%d" height="%d" '
                       'rx="9" stroke-width="%.2f"><title>%s</title></rect>'
                       % (attrs, x - 4, y - 4, NODE_W + 8, NODE_H + 8, w,
                          e(tip + ' (its own victims)')))
        else:
            svg.append('<path class="blame" %s d="%s" stroke-width="%.2f" '
                       'marker-end="url(#ah)"><title>%s</title></path>'
                       % (attrs, _curve(pos[c], pos[v], 18 + 6 * (i % 4)), w, e(tip)))
    for nf in topology.nfs:
        x, y = pos[nf.name]
        cls = 'node' + (' source' if viewer.is_source(nf.name) else '') + \
            (' own' if viewer.vendor is not None and viewer.visible(nf.name) else '')
        svg.append('<g class="%s" data-nf="%s"><rect x="%.1f" y="%.1f" width="%d" '
                   'height="%d" rx="6"/><text x="%.1f" y="%.1f" text-anchor="middle">'
                   '%s</text></g>' % (cls, e(viewer.label(nf.name)), x, y, NODE_W,
                                      NODE_H, x + NODE_W / 2, y + NODE_H / 2 + 4,
                                      e(viewer.label(nf.name))))
    svg.append('</svg>')
    by = {}
    for c, v, s in arrows:
        d = by.setdefault(c, {'score': 0.0, 'victims': {}})
        d['score'] += s
        d['victims'][v] = d['victims'].get(v, 0.0) + s
    items = []
    for rank, (c, d) in enumerate(sorted(by.items(), key=lambda kv: -kv[1]['score']), 1):
        hit = ', '.join('%s %s' % (viewer.label(v), pct(s / total)) for v, s in
                        sorted(d['victims'].items(), key=lambda kv: -kv[1])[:4])
        items.append('<li class="cause" data-rank="%d" data-culprit="%s"><b>%d. %s</b> '
                     '%s of the score<br><span class="muted">victims at: %s</span>'
                     '</li>' % (rank, e(viewer.label(c)), rank, e(viewer.label(c)),
                                e(pct(d['score'] / total)), e(hit)))
    note = '' if len(arrows) <= MAX_ARROWS else \
        '<p class="muted">%d weakest arrows not drawn.</p>' % (len(arrows) - MAX_ARROWS)
    data = json.dumps([[viewer.label(c), viewer.label(v), round(s, 6)]
                       for c, v, s in shown]).replace('<', '\\u003c')
    return ''.join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>'
        '<style>%s</style></head><body>' % (e(title), CSS),
        '<h1>%s</h1><p class="muted">%s</p>' % (e(title), e(subtitle)),
        '<div id="wrap"><div>%s%s</div>' % (''.join(svg), note),
        '<div id="causes"><h2>Ranked causes</h2><ol>%s</ol></div></div>'
        % (''.join(items) or '<li class="muted">no causal relation</li>'),
        '<script type="application/json" id="arrows">%s</script>' % data,
        '<script>%s</script></body></html>' % SCRIPT])
