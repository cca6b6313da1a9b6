"""The demo keeps one diagnosis per run in the catalog: storing the same
run again replaces the diagnosis the earlier demo stored, and leaves the
diagnoses that engine workers made of that collection alone."""
from microscope_plugin.cli import demo
from microscope_plugin.db import api as dbapi
from microscope_plugin.engine import jobs
from tests import servicelib


def test_storing_the_demo_again_replaces_its_diagnosis(db, small_run,
                                                       tmp_path):
    from microscope_plugin.cli.diagnose import resolve_inputs, run_diagnosis
    from microscope_plugin.diagnosis import DiagnosisParams
    conf = servicelib.make_conf(str(db.engine.url), tmp_path)
    topo, files = resolve_inputs([small_run])
    params = DiagnosisParams()
    _, result = run_diagnosis(topo, files, params)
    said = []

    def store():
        return demo.store_in_catalog(conf, 'demo-run', topo, files, result,
                                     params, lambda *a: said.append(a))
    _, cid, first = store()
    with db.begin() as s:
        c = dbapi.get_collection(s, cid)
    workers = jobs.store_computed(db, conf, cid, result, params, c.start_ns,
                                  c.end_ns + 1)
    _, cid2, second = store()
    assert cid2 == cid and second != first
    with db.begin() as s:
        kept = {d.id for d in dbapi.list_diagnoses(s, collection_id=cid)}
        assert kept == {workers, second}
        assert dbapi.get_diagnosis(s, second).n_victims > 0
        assert not dbapi.list_victims(s, first)
    assert ('store', 'replacing diagnosis %s of an earlier demo' % first) \
        in said
