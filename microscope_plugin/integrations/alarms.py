"""Alarm documents of a finished diagnosis, before any sink formats them.

A diagnosis answers *who* hurt the victims (§4): its top culprits become
**root-cause alarms** (``isRootCause: true``, the culprit NF or traffic
source, its flows, score and a link to the evidence in the API), and the
NFs where victims were seen become **victim alarms** (``isRootCause:
false``) that name their root causes.  Both sides list each other in
``correlatedAlarmIds`` — the ETSI SOL alarm fields an orchestrator such as
Tacker leaves empty.  Alarm ids are derived from (diagnosis, role, NF), so
a re-sent alarm keeps its id.
"""
import urllib.parse
import uuid

from microscope_plugin.db import api as dbapi

NS = uuid.UUID('6d1f4e0c-7a0b-4f9e-9a57-6b0c3d1c2e55')
SEVERITIES = ('CRITICAL', 'MAJOR', 'MINOR', 'WARNING')


def alarm_id(diagnosis_id, role, kind, nf):
    return str(uuid.uuid5(NS, '%s/%s/%s/%s' % (diagnosis_id, role, kind, nf)))


def severity(share):
    """A root cause's severity from the share of victims it hurt most."""
    if share >= 0.5:
        return 'CRITICAL'
    if share >= 0.2:
        return 'MAJOR'
    if share >= 0.05:
        return 'MINOR'
    return 'WARNING'


def evidence_url(public_url, diagnosis_id, **query):
    base = '%s/v1/diagnoses/%s/causes' % (public_url.rstrip('/'), diagnosis_id)
    q = {k: v for k, v in query.items() if v is not None}
    return base + ('?' + urllib.parse.urlencode(q) if q else '')


def build(session, diagnosis_id, public_url, max_root=3, max_victims=20,
          nf_types=None, vnf_map=None):
    """[alarm dict] of a succeeded diagnosis: root causes, then victims.

    ``nf_types``: NF name -> type; ``vnf_map``: NF name or type -> VNF
    instance id (for orchestrators that key alarms on it)."""
    nf_types = nf_types or {}
    vnf_map = vnf_map or {}
    diag = dbapi.get_diagnosis(session, diagnosis_id)
    total = max(int(diag.n_victims or 0), 1)
    roots, victims = [], {}
    for top in dbapi.top_culprits(session, diagnosis_id, limit=max_root):
        ev = dbapi.culprit_evidence(session, diagnosis_id, top['kind'],
                                    top['nf'])
        share = top['victims'] / total
        rid = alarm_id(diagnosis_id, 'root', top['kind'], top['nf'])
        nf_type = 'source' if top['kind'] == 'source' else \
            nf_types.get(top['nf'], '')
        root = {
            'id': rid, 'diagnosis_id': diagnosis_id, 'isRootCause': True,
            'role': 'root_cause', 'kind': top['kind'], 'nf': top['nf'],
            'nf_type': nf_type, 'vendor': top['vendor'],
            'vnf_instance_id': vnf_map.get(top['nf'], vnf_map.get(nf_type)),
            'score': round(top['score'], 3), 'victims': top['victims'],
            'share': round(share, 4), 'severity': severity(share),
            'flows': ev['flows'], 'start_ns': ev['start_ns'],
            'end_ns': ev['end_ns'],
            'rootCauseFaultyResource': {'nf': top['nf'], 'kind': top['kind'],
                                        'vendor': top['vendor']},
            'evidence': evidence_url(public_url, diagnosis_id, nf=top['nf'],
                                     kind=top['kind'], max_rank=1),
            'correlatedAlarmIds': []}
        for vnf, vvendor, count, score in ev['victim_nfs']:
            if vnf not in victims and len(victims) >= max_victims:
                continue
            v = victims.setdefault(vnf, {
                'id': alarm_id(diagnosis_id, 'victim', 'victim', vnf),
                'diagnosis_id': diagnosis_id, 'isRootCause': False,
                'role': 'victim', 'kind': 'victim', 'nf': vnf,
                'nf_type': nf_types.get(vnf, ''), 'vendor': vvendor,
                'vnf_instance_id': vnf_map.get(vnf, vnf_map.get(
                    nf_types.get(vnf, ''))),
                'victims': 0, 'score': 0.0, 'severity': 'WARNING',
                'flows': [], 'start_ns': ev['start_ns'],
                'end_ns': ev['end_ns'], 'rootCauseFaultyResource': None,
                'evidence': evidence_url(public_url, diagnosis_id,
                                         victim_nf=vnf, max_rank=1),
                'correlatedAlarmIds': []})
            v['victims'] += count
            v['score'] = round(v['score'] + score, 3)
            v['correlatedAlarmIds'].append(rid)
            if v['rootCauseFaultyResource'] is None:
                v['rootCauseFaultyResource'] = root['rootCauseFaultyResource']
            root['correlatedAlarmIds'].append(v['id'])
        roots.append(root)
    return roots + list(victims.values())


def describe(alarm):
    """One line an operator reads (Aodh's ``reason``, the log sink)."""
    if alarm['role'] == 'root_cause':
        what = ('traffic from source %s' % alarm['nf']
                if alarm['kind'] == 'source' else
                'local processing of NF %s' % alarm['nf'])
        return ('Microscope: %s is the root cause of %d victim packets '
                '(%.0f%%, score %.3g)' % (what, alarm['victims'],
                                          100 * alarm['share'], alarm['score']))
    if alarm['role'] == 'victim':
        return ('Microscope: %d victim packets at NF %s, caused by %s'
                % (alarm['victims'], alarm['nf'],
                   (alarm['rootCauseFaultyResource'] or {}).get('nf')))
    return 'Microscope: %s %s by %s (%s)' % (
        alarm['action'], alarm['nf'], alarm.get('k', 1), alarm['reason'])


def hint_alarms(diagnosis_id, hints, public_url, vnf_map=None):
    """Scaling hints as alarm documents (role ``scaling_hint``)."""
    vnf_map = vnf_map or {}
    out = []
    for h in hints:
        d = h.get('detail') or {}
        out.append({
            'id': alarm_id(diagnosis_id, 'hint', h['action'], h['nf']),
            'diagnosis_id': diagnosis_id, 'role': 'scaling_hint',
            'isRootCause': False, 'action': h['action'], 'nf': h['nf'],
            'nf_type': d.get('nf_type', h['nf']), 'vendor': h.get('vendor'),
            'k': d.get('k', 1), 'reason': h['reason'], 'score': h['score'],
            'instance': d.get('instance'), 'aspect_id': d.get('aspect_id'),
            'vnf_instance_id': vnf_map.get(h['nf'], vnf_map.get(
                d.get('nf_type'))),
            'severity': 'MAJOR' if h['action'] == 'HEAL' else 'WARNING',
            'evidence': '%s/v1/diagnoses/%s/scaling_hints?nf=%s' % (
                public_url.rstrip('/'), diagnosis_id,
                urllib.parse.quote(h['nf']))})
    return out
