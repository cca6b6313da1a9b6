"""What a finished diagnosis hands to the orchestrator: scaling hints
(stored, then listed by the API and CLI) and alarms (queued for the
configured sinks).  Called by the engine's final step; takes milliseconds
and never waits for a receiver (see :mod:`.delivery`)."""
import logging

from microscope_plugin.db import api as dbapi
from microscope_plugin.integrations import alarms as alarms_mod
from microscope_plugin.integrations import delivery
from microscope_plugin.integrations import hints as hints_mod
from microscope_plugin.integrations import load as load_mod

LOG = logging.getLogger(__name__)
LOAD_KEY = 'nf_load'


def compute_hints(session, diagnosis_id, conf):
    """Derive, store (replacing earlier ones) and return the hints."""
    tasks = dbapi.tasks_of(session, diagnosis_id)
    profile = load_mod.merge([(t.timings or {}).get(LOAD_KEY) for t in tasks])
    diag = dbapi.get_diagnosis(session, diagnosis_id)
    coll = dbapi.get_collection(session, diag.collection_id)
    vendors = dbapi.vendor_map(session, coll.topology_id)
    hints = hints_mod.derive(profile, dbapi.local_blame(session, diagnosis_id),
                             hints_mod.HintRules.from_conf(conf), vendors)
    dbapi.delete_scaling_hints(session, diagnosis_id)
    dbapi.add_scaling_hints(session, diagnosis_id, hints)
    return hints


def event(session, diagnosis_id, conf, hints):
    diag = dbapi.get_diagnosis(session, diagnosis_id)
    coll = dbapi.get_collection(session, diag.collection_id)
    nf_types = {n.name: n.type for n in dbapi.nfs_of(session, coll.topology_id)}
    a = conf.alarms
    url = conf.integrations.public_url
    vnf_map = dict(a.vnf_instances)
    docs = alarms_mod.build(session, diagnosis_id, url, a.max_root_causes,
                            a.max_victim_alarms, nf_types, vnf_map)
    hint_docs = alarms_mod.hint_alarms(diagnosis_id, hints, url, vnf_map) \
        if conf.integrations.send_hints else []
    return {'diagnosis': {'id': diag.id, 'project_id': diag.project_id,
                          'collection_id': diag.collection_id,
                          'diagnoser': diag.diagnoser, 'state': diag.state,
                          'start_ns': diag.start_ns, 'end_ns': diag.end_ns,
                          'victims': diag.n_victims,
                          'url': '%s/v1/diagnoses/%s' % (
                              url.rstrip('/'), diag.id)},
            'alarms': docs, 'hints': hint_docs}


def store_hints(db, diagnosis_id, conf):
    """(hints, note): derived and stored *before* the diagnosis is marked
    succeeded, so whoever sees it succeeded also sees its hints.  A
    failure is logged and noted, never raised: the diagnosis stands."""
    try:
        with db.begin() as s:
            hints = compute_hints(s, diagnosis_id, conf)
        return hints, len(hints)
    except Exception as e:
        LOG.exception('scaling hints of %s', diagnosis_id)
        return [], 'failed: %s' % e


def send_alarms(db, diagnosis_id, conf, hints):
    """Queue the alarms (and hints) of a diagnosis already marked
    succeeded, so a receiver finds it behind the evidence link; returns a
    note for the job's timings."""
    notes = {}
    try:
        with db.begin() as s:
            ev = event(s, diagnosis_id, conf, hints)
        notes['alarms'] = len(ev['alarms'])
        notes['alarm_messages_queued'] = delivery.publish(conf, db, ev)
    except Exception as e:
        LOG.exception('alarms of %s', diagnosis_id)
        notes['alarms'] = 'failed: %s' % e
    return notes
