"""Text report of an aggregation for the CLI and the demo: the top
patterns (Fig. 14 style), Table 2, Table 3 and the Fig. 15 quantiles."""
from microscope_plugin.aggregation import summaries
from microscope_plugin.aggregation.patterns import aggregate


def render(records, catalog, params, top=10, tables=True, result=None):
    """The report as text (runs the aggregation unless ``result`` is given)."""
    res = result if result is not None else aggregate(records, catalog, params)
    out = []
    ranges = ', '.join('%s %s' % (k, ' '.join('%d-%d' % r for r in v))
                       for k, v in res.port_ranges.items() if v)
    out.append('Causal patterns: %d at threshold %.2g%% of the total score %.6g '
               '(%d relation rows, %.2f s)%s'
               % (len(res), 100 * params.threshold, res.total, len(records),
                  res.stats.get('total_s', 0.0),
                  '; adaptive port ranges: ' + ranges if ranges else ''))
    if len(res):
        shown = min(top, len(res)) if top else len(res)
        out.append('Top %d (culprit 5-tuple, location => victim 5-tuple, location):'
                   % shown)
        out.append(res.render(top=shown).rstrip('\n'))
    if tables and len(records):
        out.append('')
        out.append(summaries.nf_type_matrix(records, catalog).render().rstrip('\n'))
        types = [t for t in catalog.type_names if t != 'source']
        if types:
            out.append('')
            out.append(summaries.instance_matrix(records, catalog, types[0])
                       .render().rstrip('\n'))
        gaps = summaries.time_gaps(records)
        out.append('')
        out.append('Culprit -> victim time gap over %d relations: median %.3f ms, '
                   'p90 %.3f ms, max %.3f ms'
                   % (len(gaps), gaps.quantile(0.5) / 1e6, gaps.quantile(0.9) / 1e6,
                      gaps.quantile(1.0) / 1e6))
    return '\n'.join(out) + '\n'
