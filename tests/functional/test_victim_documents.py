"""Victims are stored once: the row's ``detail`` keeps the packet, the
ranked causes live only in ``causes``; put back together they are the
documents the engine computed (``DiagnosisResult.victim_json``)."""
import sqlalchemy as sa

from microscope_plugin.db import api as dbapi
from microscope_plugin.db import models
from microscope_plugin.engine import jobs
from tests import servicelib


def _stored(db, small_run, tmp_path):
    from microscope_plugin.cli.diagnose import resolve_inputs, run_diagnosis
    from microscope_plugin.diagnosis import DiagnosisParams
    cid, start, end = servicelib.ingest_run(db, small_run)
    topo, files = resolve_inputs([small_run])
    params = DiagnosisParams()
    _, result = run_diagnosis(topo, files, params)
    conf = servicelib.make_conf('sqlite://', tmp_path)
    return result, jobs.store_computed(db, conf, cid, result, params,
                                       start, end)


def _all_documents(db, did):
    with db.begin() as s:
        diag = dbapi.get_diagnosis(s, did)
        nfs = dbapi.nfs_of(s, dbapi.get_collection(
            s, diag.collection_id).topology_id)
        rows = dbapi.list_victims(s, did, limit=10 ** 6)
        return dbapi.victim_documents(s, did, rows,
                                      {n.name: n.type for n in nfs})


def test_documents_rebuilt_from_rows_equal_the_engines(
        db, small_run, tmp_path):
    result, did = _stored(db, small_run, tmp_path)
    with db.begin() as s:
        V = models.Victim
        details = [d for (d,) in s.execute(
            sa.select(V.detail).where(V.diagnosis_id == did))]
    assert details and all(set(d) == {'packet'} for d in details)
    docs = _all_documents(db, did)
    assert len(docs) == len(result.victims) > 0
    with_causes = 0
    for v, doc in enumerate(docs):
        want = result.victim_json(v)
        want['packet']['ipid'] = None      # not stored (the records hold it)
        got = dict(doc)
        assert got.pop('id') > 0
        want.pop('id')
        assert got == want, v
        with_causes += bool(got['causes'])
    assert with_causes > 0


def test_a_detail_that_still_holds_its_causes_is_used_as_is(
        db, small_run, tmp_path):
    _, did = _stored(db, small_run, tmp_path)
    old = {'packet': {'flow': None, 'ipid': None},
           'causes': [{'rank': 1, 'kind': 'nf', 'nf': 'fw1',
                       'nf_type': 'firewall', 'score': 1.0}]}
    with db.begin() as s:
        first = s.scalars(sa.select(models.Victim).where(
            models.Victim.diagnosis_id == did).order_by(
            models.Victim.id)).first()
        first.detail = old
        vid = first.id
    docs = _all_documents(db, did)
    assert docs[0]['id'] == vid and docs[0]['causes'] == old['causes']
