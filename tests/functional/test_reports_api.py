"""POST /v1/reports and the DAG page over real HTTP: the report of a
stored diagnosis, the vendor view enforced by policy, 4xx naming the
field, and the DAG page rendered in headless Chromium."""
import json

import pytest
import requests

from tests import reportlib

VENDOR = {'X-Roles': 'vendor', 'X-Project-Id': 'bravo-project'}


def _post(client, body, headers=None):
    h = dict(client.headers, **(headers or {}))
    return requests.post(client.base + '/v1/reports', json=body, headers=h, timeout=120)


def test_report_of_a_stored_diagnosis(diagnosed):
    client, conf, topo, coll, d = diagnosed
    r = _post(client, {'diagnosis_id': d['id']})
    assert r.status_code == 200, r.text[:500]
    assert r.headers['Content-Type'].startswith('text/html')
    assert '1. Verdict per NF' in r.text and '(Table 2)' in r.text
    assert '<script' not in r.text and 'http://' not in reportlib.visible_text(r.text)
    r = _post(client, {'diagnosis_id': d['id'], 'format': 'json'})
    assert r.status_code == 200 and r.headers['Content-Type'].startswith(
        'application/json')
    model = r.json()
    m = model['type_matrix']
    assert m['total'] > 0
    assert abs(sum(sum(row) for row in m['values']) - 1.0) < 1e-6
    assert model['verdicts'][0]['verdict'] == 'culprit'
    assert model['incidents'] and any(i['evidence'] for i in model['incidents'])
    assert any(i['series'] for i in model['incidents'])    # from stored blocks
    mid = (d['start_ns'] + d['end_ns']) // 2
    r = _post(client, {'diagnosis_id': d['id'], 'format': 'json',
                       'start_ns': d['start_ns'], 'end_ns': mid})
    half = r.json()
    assert 0 < half['meta']['relation_rows'] < model['meta']['relation_rows']
    assert all(i['start_ns'] < mid for i in half['incidents'])


def test_vendor_gets_only_its_own_view(diagnosed):
    client, conf, topo, coll, d = diagnosed
    r = _post(client, {'diagnosis_id': d['id']}, VENDOR)
    assert r.status_code == 200, r.text[:500]
    text = reportlib.visible_text(r.text)
    assert 'vendor view: Bravo Security' in text
    assert reportlib.names_in(text, reportlib.OTHER_VENDORS_PAPER16) == []
    assert 'firewall' in text
    r = _post(client, {'diagnosis_id': d['id'], 'vendor': 'Delta Crypto'}, VENDOR)
    assert r.status_code == 403 and r.json()['error']['field'] == 'vendor'
    r = _post(client, {'diagnosis_id': d['id'], 'nf': 'vpn1'}, VENDOR)
    assert r.status_code == 400 and r.json()['error']['field'] == 'nf'
    unmapped = {'X-Roles': 'vendor', 'X-Project-Id': 'nobody'}
    assert _post(client, {'diagnosis_id': d['id']}, unmapped).status_code == 403
    other = {'X-Roles': 'reader', 'X-Project-Id': 'other'}
    r = _post(client, {'diagnosis_id': d['id']}, other)
    assert r.status_code == 404 and r.json()['error']['field'] == 'diagnosis_id'


@pytest.mark.parametrize('body,field,status', [
    ({}, 'diagnosis_id', 400),
    ({'diagnosis_id': 5}, 'diagnosis_id', 400),
    ({'diagnosis_id': 'ID', 'colour': 'red'}, 'colour', 400),
    ({'diagnosis_id': 'ID', 'format': 'docx'}, 'format', 400),
    ({'diagnosis_id': 'ID', 'start_ns': -1}, 'start_ns', 400),
    ({'diagnosis_id': 'ID', 'start_ns': 'soon'}, 'start_ns', 400),
    ({'diagnosis_id': 'ID', 'start_ns': 10, 'end_ns': 10}, 'end_ns', 400),
    ({'diagnosis_id': 'ID', 'incidents': 99}, 'incidents', 400),
    ({'diagnosis_id': 'ID', 'vendor': 'Nobody'}, 'vendor', 400),
    ({'diagnosis_id': 'ID', 'nf': 'nat99'}, 'nf', 400),
    ({'diagnosis_id': '00000000-0000-4000-8000-000000000009'}, 'diagnosis_id', 404),
])
def test_report_errors_name_the_field(diagnosed, body, field, status):
    client, conf, topo, coll, d = diagnosed
    body = {k: (d['id'] if v == 'ID' else v) for k, v in body.items()}
    r = _post(client, body)
    assert r.status_code == status, r.text[:300]
    assert r.json()['error']['field'] == field


def test_dag_page_in_chromium(diagnosed, tmp_path):
    client, conf, topo, coll, d = diagnosed
    url = client.base + '/v1/diagnoses/%s/dag' % d['id']
    r = requests.get(url, headers=client.headers, timeout=60)
    assert r.status_code == 200 and r.headers['Content-Type'].startswith('text/html')
    assert 'src="http' not in r.text and 'href="http' not in r.text
    page = tmp_path / 'dag.html'
    page.write_text(r.text)
    dom = reportlib.dump_dom(str(page))
    n = int(dom.split('data-arrows="')[1].split('"')[0])     # set by the page's script
    assert n == dom.count('class="blame"') + dom.count('class="ring"') > 0
    assert dom.count('class="cause"') >= 1
    data = json.loads(dom.split('id="arrows">')[1].split('</script>')[0])
    first = dom.split('class="cause"')[1].split('data-culprit="')[1].split('"')[0]
    totals = {}
    for culprit, _victim, score in data:
        totals[culprit] = totals.get(culprit, 0.0) + score
    assert first == max(totals, key=totals.get)     # causes ranked by score
    png = reportlib.screenshot(str(page), str(tmp_path / 'dag.png'), 1400, 900)
    w, h, ink, colours = reportlib.png_stats(png)
    assert (w, h) == (1400, 900) and 0.02 < ink < 0.9 and colours > 20
    r = requests.get(url, headers=dict(client.headers, **VENDOR), timeout=60)
    assert r.status_code == 200
    assert reportlib.names_in(r.text, reportlib.OTHER_VENDORS_PAPER16) == []
    assert 'upstream NF 1 (nat)' in r.text
    r = requests.get(url.replace(d['id'], 'nope'), headers=client.headers, timeout=60)
    assert r.status_code == 404 and r.json()['error']['field'] == 'diagnosis_id'
