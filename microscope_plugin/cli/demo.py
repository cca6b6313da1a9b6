"""``microscope demo``: the main job on embedded defaults.

Emulates the paper's 16-NF scenario with injected faults, diagnoses the
record files as an operator would (without the ground truth), then
checks the diagnosis against what was injected.
"""
import dataclasses
import json
import os

import numpy as np

from microscope_plugin import conf
from microscope_plugin import emulator
from microscope_plugin.cli.base import Command
from microscope_plugin.cli.diagnose import (render_patterns, resolve_inputs,
                                            run_diagnosis, run_patterns,
                                            write_result)
from microscope_plugin.cli.progress import Progress
from microscope_plugin.diagnosis import DiagnosisParams
from microscope_plugin.diagnosis import incidents as incidents_mod
from microscope_plugin.emulator import summary as summary_mod
from microscope_plugin.emulator.run import EPOCH_NS
from microscope_plugin.evaluation import accuracy


def fault_check(trace, result, out):
    """Per injected fault: its victims that Microscope diagnosed, and how
    often the injected culprit was ranked first."""
    truth = np.load(os.path.join(out, 'truth.npz'))
    with open(os.path.join(out, 'truth.json')) as fh:
        tj = json.load(fh)
    ranks = accuracy.evaluate(accuracy.microscope_ranked(result), truth, tj,
                              accuracy.truth_rows_of_packets(trace, truth))
    rows = []
    for f in tj['faults']:
        sel = ranks.fault == f['id']
        rows.append((f, int(sel.sum()),
                     float((ranks.rank[sel] == 1).mean()) if sel.any() else None,
                     float((ranks.rank_strict[sel] == 1).mean()) if sel.any() else None))
    return rows, ranks


DEMO_WORKER = 'microscope-demo'   # the "worker" of the diagnoses it stores


def store_in_catalog(config, name, topology, files, result, params,
                     progress, trace=None):
    """Ingest the run's record files into the embedded catalog (the SQLite
    database of ``[database] connection``, brought to the current schema)
    and record the diagnosis as a finished job, so ``microscope-api``
    serves it.  The diagnosis an earlier demo stored for the same run is
    replaced (diagnoses made through the API are kept), so re-running the
    demo does not grow the catalog.  Returns (database URL, collection
    id, diagnosis id)."""
    from microscope_plugin import ingest
    from microscope_plugin.db import api as dbapi
    from microscope_plugin.db import migration
    from microscope_plugin.db import session
    from microscope_plugin.engine import jobs
    db = session.Database.from_conf(config)
    if migration.current(db.engine) != migration.head():
        migration.upgrade(db.engine)
    cid = ingest.ensure_collection(db, ingest.DEFAULT_PROJECT, topology, name)
    for path in files:
        r = ingest.ingest_path(db, cid, path)
        progress('store', '%s: +%d blocks, %d already stored'
                 % (r.nf, r.blocks_added, r.blocks_skipped))
    with db.begin() as s:
        coll = dbapi.get_collection(s, cid)
        start, end = coll.start_ns, coll.end_ns + 1
    load = None
    if trace is not None:   # the evidence of the run's scaling hints
        from microscope_plugin.integrations import load as load_mod
        load = load_mod.nf_load(trace, params, start, end,
                                config.hints.window_ms * 1_000_000)
    with db.begin() as s:
        for old in dbapi.diagnoses_stored_by(s, cid, DEMO_WORKER):
            progress('store', 'replacing diagnosis %s of an earlier demo' % old)
            dbapi.delete_diagnosis_rows(s, old)
    did = jobs.store_computed(db, config, cid, result, params, start, end,
                              worker=DEMO_WORKER, load=load)
    if db.backend == 'sqlite':
        # fold SQLite's write-ahead log (as large as the run's results)
        # into the database file instead of leaving it beside it
        with db.engine.connect() as c:
            c.exec_driver_sql('PRAGMA wal_checkpoint(TRUNCATE)')
    return db.engine.url.render_as_string(hide_password=True), cid, did


def render_check(rows, ranks):
    lines = ['Injected faults, and whether Microscope named them first for '
             'their victims:',
             '  %9s  %-9s  %-10s %8s  %9s  %s' % (
                 'at (ms)', 'kind', 'where', 'victims', 'rank-1', 'with flows')]
    for f, n, r1, strict in rows:
        where = f.get('nf') or f.get('source')
        lines.append('  %9.1f  %-9s  %-10s %8d  %9s  %s' % (
            (f['start_ns'] - EPOCH_NS) / 1e6, f['kind'], where, n,
            '-' if r1 is None else '%.1f %%' % (100 * r1),
            '-' if strict is None else '%.1f %%' % (100 * strict)))
    t = ranks.table()
    parts = ['%s %.1f %%' % (k, 100 * v['rank1']) for k, v in t.items()
             if v.get('victims')]
    lines.append('  rank-1 over diagnosed victims: ' + ', '.join(parts))
    lines.append('  (victims: packets whose latency grew or that were lost because '
                 'of a fault, by a re-run without it; a fault with no diagnosed '
                 'victims made none slower than the percentile)')
    return '\n'.join(lines) + '\n'


class Demo(Command):
    """Emulate the paper's scenario (16 NFs, 1.2 Mpps, faults), diagnose it,
    and check the result against what was injected."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--out', default=None,
                            help='Output directory (default: <state_path>/demo).')
        parser.add_argument('--duration', type=float, default=None,
                            help='Seconds of traffic (default: the preset\'s).')
        return parser

    def take_action(self, args):
        sc = emulator.load_scenario(conf.CONF.emulator.preset)
        if args.duration is not None:
            sc = dataclasses.replace(sc, duration_s=args.duration)
        out = args.out or os.path.join(conf.CONF.state_path, 'demo')
        progress = Progress()
        progress('emulate', 'scenario %s, %.1f s of traffic -> %s'
                 % (sc.name, sc.duration_s, out))
        em, summary = emulator.run_to_directory(
            sc, out, block_packets=conf.CONF.emulator.block_packets,
            progress=progress)
        summary['nfs'] = summary_mod.nf_table(em)
        del em              # the diagnosis reads the record files, as operators do
        summary['records'] = emulator.record_stats(summary['record_files'])
        w = self.app.stdout.write
        w('\n== The emulated run (what the collectors recorded) ==\n')
        w(summary_mod.render(summary))
        topo, files = resolve_inputs([out])
        params = DiagnosisParams()
        trace, result = run_diagnosis(topo, files, params, progress=progress)
        incs = incidents_mod.incidents(result)
        progress('patterns', 'aggregating causal relations (§4.4)')
        patterns = run_patterns(result)
        path = write_result(result, incs, out, patterns=patterns)
        s = result.summary()
        w('\n== What Microscope found (from the record files alone) ==\n')
        w('%d victim packets (latency >= %.1f us, or lost) in %d incidents.\n'
          % (s['victim_packets'], s['latency_threshold_ns'] / 1e3, len(incs)))
        w(incidents_mod.render(incs, EPOCH_NS))
        w('\n== Causal patterns (§4.4) ==\n')
        w(render_patterns(result, patterns))
        rows, ranks = fault_check(trace, result, out)
        w('\n== Checked against the ground truth ==\n')
        w(render_check(rows, ranks))
        progress('store', 'record files and the diagnosis into the catalog')
        url, cid, did = store_in_catalog(
            conf.CONF, 'demo-%s-%gs' % (sc.name, sc.duration_s), topo, files,
            result, params, progress, trace=trace)
        w('\nResults: %s (diagnosis), %s/records (record files), '
          '%s/truth.json (ground truth)\n' % (path, out, out))
        w('Stored in %s: collection %s, diagnosis %s; microscope-api serves '
          'it at /v1/diagnoses/%s (NF DAG page: /v1/diagnoses/%s/dag)\n'
          % (url, cid, did, did, did))
        w(write_demo_report(result, topo, trace, incs, patterns, out, progress))


def write_demo_report(result, topo, trace, incs, patterns, out, progress):
    """The blame-resolution report of the run (docs/reports.md); returns
    the lines saying where it is."""
    from microscope_plugin import report
    progress('report', 'writing the blame-resolution report')
    inputs = report.from_result(result, topo, trace=trace, incidents=incs,
                                patterns=patterns, source=out)
    rep = report.build_report(inputs)
    paths = report.write_report(rep, out)
    dag = report.write_dag(inputs, out)
    c = rep.culprits()
    lines = ['\n== Blame-resolution report ==\n']
    if c:
        lines.append('Named first: %s (%s), %.1f %% of the causal score\n'
                     % (c[0]['nf'], c[0]['type'], 100 * c[0]['caused']))
    lines.append('NF DAG page: %s\n' % dag)
    if paths['pdf']:
        lines.append('PDF: %s (%s)\n' % (paths['pdf'], paths['pdf_converter']))
    lines.append('Report: %s\n' % paths['html'])
    return ''.join(lines)
