"""Human-readable summaries of an emulation run."""
import numpy as np

from microscope_plugin.emulator.run import EPOCH_NS


def max_queue(arr, read):
    """Largest input-queue occupancy seen at any arrival."""
    a = np.sort(arr[~np.isnan(arr)])
    r = np.sort(read[~np.isnan(read)])
    if a.size == 0:
        return 0
    accepted = np.arange(1, a.size + 1)
    gone = np.searchsorted(r, a, side='right')
    return int((accepted - gone).max())


def nf_table(em):
    rows = []
    for k, inst in enumerate(em.scenario.instances):
        nb = em.nf[inst.name]
        cells = em.path == k
        arr, read, dep = em.arr[cells], em.read[cells], em.dep[cells]
        delay = (dep - arr)[~np.isnan(dep)]
        rows.append({
            'nf': inst.name, 'type': inst.type, 'vendor': inst.vendor,
            'peak_mpps': inst.peak_rate_pps / 1e6,
            'packets': int(len(nb.rx_seq)),
            'mean_burst': float(nb.rx_n.mean()) if len(nb.rx_n) else 0.0,
            'dropped': nb.dropped,
            'p99_delay_us': float(np.percentile(delay, 99) / 1e3) if delay.size else 0.0,
            'max_queue': max_queue(arr, read),
        })
    return rows


def _flow(f):
    if not f:
        return ''
    proto = {6: 'tcp', 17: 'udp'}.get(f['proto'], str(f['proto']))
    return '%s:%d -> %s:%d %s' % (f['src'], f['sport'], f['dst'], f['dport'], proto)


def render(s):
    out = []
    rate = s['packets'] / s['duration_s'] / 1e6
    out.append('Scenario %s: %d packets in %.2f s (%.2f Mpps), %d lost at full '
               'queues.' % (s['scenario'], s['packets'], s['duration_s'], rate,
                            s['lost']))
    rec = s.get('records')
    if rec:
        out.append('Record files: %d in %s/records, %.1f MB, %.2f bytes per '
                   'packet-record (%d rx + %d tx records).'
                   % (len(s['record_files']), s['out_dir'], rec['bytes'] / 1e6,
                      rec['bytes_per_record'], rec['rx_records'],
                      rec['tx_records']))
    out.append('Ground truth: %s/truth.json and truth.npz.' % s['out_dir'])
    out.append('')
    if s['faults']:
        out.append('Injected faults:')
        out.append('  %3s %9s  %-9s  %-10s  %-55s %8s'
                   % ('id', 'at (ms)', 'kind', 'where', 'what', 'victims'))
        for f in s['faults']:
            at = (f['start_ns'] - EPOCH_NS) / 1e6
            if f['kind'] == 'interrupt':
                what = 'stalls %.0f us' % f['duration_us']
                where = f['nf']
            elif f['kind'] == 'burst':
                what = '%d extra packets at %.1f Mpps: %s' % (
                    f['packets'], f['rate_mpps'], _flow(f.get('flow')))
                where = f['source']
            else:
                what = '%d trigger packets, processed at %.2f Mpps: %s' % (
                    f['packets'], f['slow_rate_mpps'], _flow(f.get('flow')))
                where = f['nf']
            out.append('  %3d %9.1f  %-9s  %-10s  %-55s %8s'
                       % (f['id'], at, f['kind'], where, what,
                          f.get('victims', '-')))
        out.append('  (victims: packets whose latency grew by more than %.0f us, '
                   'or that were lost, compared with a run without the faults)'
                   % ((s.get('victim_delta_ns') or 0) / 1e3))
        out.append('')
    if s.get('nfs'):
        out.append('NF instances:')
        out.append('  %-10s %-9s %-18s %9s %8s %7s %9s %8s'
                   % ('nf', 'type', 'vendor', 'packets', 'burst', 'drops',
                      'p99 (us)', 'max q'))
        for r in s['nfs']:
            out.append('  %-10s %-9s %-18s %9d %8.2f %7d %9.1f %8d'
                       % (r['nf'], r['type'], r['vendor'][:18], r['packets'],
                          r['mean_burst'], r['dropped'], r['p99_delay_us'],
                          r['max_queue']))
    t = s.get('timings', {})
    if t:
        out.append('')
        out.append('Timings: ' + ', '.join(
            '%s %.1f s' % (k[:-2], v) for k, v in t.items()))
    return '\n'.join(out) + '\n'
