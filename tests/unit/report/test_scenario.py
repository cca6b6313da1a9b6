"""Reports of a known emulated scenario: NAT -> firewall -> VPN from three
vendors, nat1 stalled for 800 us (Fig. 2's interrupt).  The report names
nat1 first, Table 2 sums to the relations' total, the firewall vendor's
view hides the others' NFs and flows, and the HTML renders in Chromium."""
import json
import os

import pytest

from microscope_plugin import report
from microscope_plugin.cli.diagnose import run_patterns, write_result
from microscope_plugin.cli.main import main
from microscope_plugin.diagnosis import DiagnosisParams, VictimCriteria
from microscope_plugin.diagnosis import incidents as incidents_mod
from microscope_plugin.report.sections import flow_text
from tests import reportlib
from tests.unit.diagnosis.helpers import run, stage

SLOW = DiagnosisParams(victims=VictimCriteria(latency_threshold_ns=60_000))
SCENARIO = {
    'name': 'blame', 'duration_s': 0.012, 'seed': 3,
    'topology': {'stages': [
        stage('nat', 1.0, ['firewall'], n=2, vendor='Alpha Networks'),
        stage('firewall', 0.8, ['vpn'], n=2, vendor='Bravo Security'),
        stage('vpn', 0.8, n=2, vendor='Delta Crypto', record_tuples='tx')]},
    'sources': [{'name': 'in', 'to': 'nat',
                 'traffic': {'model': 'caida', 'rate_mpps': 0.9}}],
    'faults': [{'kind': 'interrupt', 'at_s': 0.003, 'nf': 'nat1',
                'duration_us': 800}]}
OTHERS = {'nat1', 'nat2', 'vpn1', 'vpn2'}
BRAVO = 'Bravo Security'


@pytest.fixture(scope='module')
def diagnosed(tmp_path_factory):
    """(run dir, Run) with diagnosis.json and relations.npz written."""
    out = tmp_path_factory.mktemp('blame')
    r = run(SCENARIO, out, SLOW, counterfactual=False)
    incs = incidents_mod.incidents(r.result)
    write_result(r.result, incs, str(out), patterns=run_patterns(r.result))
    return str(out), r


def test_injected_culprit_is_named_first(diagnosed):
    out, r = diagnosed
    inp = report.from_result(r.result, r.em.scenario.topology(), trace=r.trace)
    rep = report.build_report(inp)
    first = rep.verdicts[0]
    assert (first['nf'], first['verdict']) == ('nat1', 'culprit')
    assert first['caused'] > 0.5
    v = {x['nf']: x for x in rep.verdicts}
    hit = [n for n in ('firewall1', 'firewall2', 'vpn1', 'vpn2')
           if v[n]['verdict'] != 'not involved']
    assert hit and all(v[n]['verdict'] == 'victim of upstream' for n in hit)
    assert v[hit[0]]['blamed'][0]['nf'] == 'nat1'
    total = float(inp.records.weight.sum())
    assert rep.type_matrix.total == pytest.approx(total)
    assert rep.type_matrix.values.sum() == pytest.approx(1.0)
    assert rep.instance_matrix.values.sum() == pytest.approx(1.0)
    assert rep.type_matrix.cell('nat', 'nat') > 0.3
    inc = rep.incidents[0]
    assert inc['causes'][0]['nf'] == 'nat1'
    assert inc['evidence'] and inc['evidence'][0]['causes'][0]['nf'] == 'nat1'
    queues = {s['nf']: max(s['queue']) for s in inc['series']}
    assert queues.get('nat1', 0) > 100          # the stall filled nat1's queue


def test_run_dir_report_matches_and_renders(diagnosed, tmp_path):
    out, r = diagnosed
    rep = report.build_report(report.from_run_dir(out))
    assert rep.verdicts[0]['nf'] == 'nat1'
    assert rep.incidents[0]['evidence'], 'diagnosis.json keeps evidence victims'
    paths = report.write_report(rep, str(tmp_path), pdf=True)
    html = open(paths['html']).read()
    assert 'Named first: <span class="culprit">nat1</span>' in html
    assert html.count('data:image/png;base64,') >= 4   # Tables 2-3, Fig. 15, queues
    assert 'src="http' not in html and '<script' not in html
    png = reportlib.screenshot(paths['html'], str(tmp_path / 'r.png'), 1280, 1600)
    w, h, ink, colours = reportlib.png_stats(png)
    assert (w, h) == (1280, 1600)
    assert 0.03 < ink < 0.9 and colours > 50     # text, tables and figures
    if paths['pdf_converter'] == 'chromium':
        assert open(paths['pdf'], 'rb').read(5) == b'%PDF-'


def _flows(docs, nfs):
    out = set()
    for v in docs:
        if v['nf'] in nfs:
            out.add(flow_text(v['packet']['flow']))
            for c in v['causes']:
                if c['nf'] in nfs or c['kind'] == 'source':
                    out |= {flow_text(f) for f in c['flows']}
    return out


def test_vendor_view_shows_nothing_internal_of_others(diagnosed):
    out, r = diagnosed
    inp = report.from_run_dir(out)
    html = report.render_html(report.build_report(inp, vendor=BRAVO))
    text = reportlib.visible_text(html)
    assert reportlib.names_in(text, OTHERS) == []
    assert 'upstream NF 1 (nat)' in text and 'firewall' in text
    own = {'firewall1', 'firewall2'}
    others_only = _flows(inp.victims, OTHERS) - _flows(inp.victims, own)
    assert others_only, 'the scenario has victims at other vendors\' NFs'
    leaked = [f for f in others_only if f.split(' -> ')[0] in text]
    assert leaked == []
    full = reportlib.visible_text(report.render_html(report.build_report(inp)))
    assert 'nat1' in reportlib.names_in(full, OTHERS)   # the check can fail


def test_cli(diagnosed, tmp_path, capsys):
    out, _ = diagnosed
    assert main(['report', out, '--vendor', BRAVO, '--no-pdf', '--json',
                 '--out', str(tmp_path), '--name', 'bravo']) == 0
    text = capsys.readouterr().out
    assert 'Report: %s' % os.path.join(str(tmp_path), 'bravo.html') in text
    model = json.load(open(tmp_path / 'bravo.json'))
    assert model['meta']['vendor'] == BRAVO
    dag = (tmp_path / 'bravo-dag.html').read_text()
    assert 'class="blame"' in dag and 'upstream NF 1 (nat)' in dag
    assert reportlib.names_in(dag, OTHERS) == []
    assert main(['report', out, '--nf', 'nat9', '--no-pdf']) == 2
    assert "nf: unknown NF 'nat9'" in capsys.readouterr().err
    assert main(['report', '--no-pdf']) == 2
    assert main(['report', str(tmp_path / 'none')]) == 2
    assert 'not a directory' in capsys.readouterr().err
