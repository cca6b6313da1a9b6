"""API policy rules, defined in code (oslo.policy).

Personas:

* **admin** — role ``admin``: everything, in every project.
* **operator** — a project's ``reader`` (read) or ``member`` (read and
  write: topologies, ingest, diagnoses), within that project.
* **vendor** — role ``vendor`` in a project mapped to an NF vendor by
  ``[api] vendor_projects``: reads diagnoses, victims, causes and patterns,
  restricted to that vendor's NFs (in every project).

``tox -e genpolicy`` writes ``etc/microscope/policy.yaml.sample``; an
operator overrides a rule in ``policy.yaml`` ([oslo_policy] policy_file).
"""
import time

from oslo_config import cfg
from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
VENDOR = 'role:vendor'

READ = 'rule:context_is_admin or rule:project_reader'
READ_VENDOR = READ + ' or rule:vendor'
WRITE = 'rule:context_is_admin or rule:project_member'

BASE = [
    policy.RuleDefault('context_is_admin', ADMIN,
                       description='Administrators: every project.'),
    policy.RuleDefault('project_reader', PROJECT_READER,
                       description='Readers of the project owning the '
                                   'resource.'),
    policy.RuleDefault('project_member', PROJECT_MEMBER,
                       description='Members of the project owning the '
                                   'resource.'),
    policy.RuleDefault('vendor', VENDOR,
                       description='NF vendors: results about their own '
                                   'NFs only ([api] vendor_projects).'),
]


def _rule(name, check, description, method, path):
    return policy.DocumentedRuleDefault(
        name='microscope:%s' % name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}])


RESOURCES = [
    _rule('topology:list', READ_VENDOR, 'List topologies.', 'GET',
          '/v1/topologies'),
    _rule('topology:get', READ_VENDOR, 'Show a topology and its NFs.', 'GET',
          '/v1/topologies/{topology_id}'),
    _rule('topology:create', WRITE, 'Register a topology.', 'POST',
          '/v1/topologies'),
    _rule('topology:delete', WRITE, 'Delete a topology.', 'DELETE',
          '/v1/topologies/{topology_id}'),
    _rule('collection:list', READ, 'List collections.', 'GET',
          '/v1/collections'),
    _rule('collection:get', READ, 'Show a collection and its files.', 'GET',
          '/v1/collections/{collection_id}'),
    _rule('collection:create', WRITE, 'Create a collection.', 'POST',
          '/v1/collections'),
    _rule('collection:ingest', WRITE, 'Ingest a record file.', 'POST',
          '/v1/collections/{collection_id}/files'),
    _rule('collection:delete', WRITE, 'Delete a collection and its records.',
          'DELETE', '/v1/collections/{collection_id}'),
    _rule('diagnosis:list', READ_VENDOR, 'List diagnoses.', 'GET',
          '/v1/diagnoses'),
    _rule('diagnosis:get', READ_VENDOR, 'Show a diagnosis job and summary.',
          'GET', '/v1/diagnoses/{diagnosis_id}'),
    _rule('diagnosis:create', WRITE, 'Start a diagnosis.', 'POST',
          '/v1/diagnoses'),
    _rule('diagnosis:delete', WRITE, 'Delete a diagnosis and its results.',
          'DELETE', '/v1/diagnoses/{diagnosis_id}'),
    _rule('victim:list', READ_VENDOR, 'List victims with ranked causes.',
          'GET', '/v1/diagnoses/{diagnosis_id}/victims'),
    _rule('cause:list', READ_VENDOR, 'List ranked causes.', 'GET',
          '/v1/diagnoses/{diagnosis_id}/causes'),
    _rule('pattern:list', READ_VENDOR, 'List causal patterns.', 'GET',
          '/v1/diagnoses/{diagnosis_id}/patterns'),
    _rule('report:create', READ_VENDOR, 'Build a blame-resolution report of a '
          'diagnosis (vendors: their own vendor view only).', 'POST', '/v1/reports'),
    _rule('report:dag', READ_VENDOR, 'Show the NF DAG page of a diagnosis with '
          'culprit -> victim arrows.', 'GET', '/v1/diagnoses/{diagnosis_id}/dag'),
    _rule('scaling_hint:list', READ, 'List scaling hints.', 'GET',
          '/v1/diagnoses/{diagnosis_id}/scaling_hints'),
    _rule('scaling_hint:list_all', READ, 'List the scaling hints of '
          'recent diagnoses.', 'GET', '/v1/scaling_hints'),
    _rule('alarm:create', WRITE, 'Receive an orchestrator alarm (Aodh '
          'webhook, Alertmanager/Tacker alerts): starts a diagnosis of its '
          'time window.', 'POST', '/v1/alarms'),
]


def list_rules():
    return BASE + RESOURCES


class Enforcer(policy.Enforcer):
    """oslo.policy's enforcer, looking for a changed policy file at most
    once a second instead of on every check (each look searches the
    configuration directories: about a millisecond per check)."""

    RECHECK_S = 1.0
    _checked_at = None

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if not force_reload and self.rules and self._checked_at is not None \
                and now - self._checked_at < self.RECHECK_S:
            return
        super().load_rules(force_reload)
        self._checked_at = now


_ENFORCER = None


def get_enforcer(conf=None):
    """The process' enforcer (also the ``oslo.policy.enforcer`` entry
    point used by oslopolicy-policy-generator and friends)."""
    global _ENFORCER
    if _ENFORCER is None:
        if conf is None:
            from microscope_plugin import conf as mconf
            conf = mconf.CONF
        _ENFORCER = Enforcer(conf)
        _ENFORCER.register_defaults(list_rules())
    return _ENFORCER


def reset():
    global _ENFORCER
    if _ENFORCER is not None:
        _ENFORCER.clear()
    _ENFORCER = None


def authorize(enforcer, rule, context, target=None):
    """True when ``context`` passes ``rule`` for ``target`` (a dict with
    at least ``project_id``)."""
    target = target or {'project_id': context.project_id}
    creds = context.to_policy_values()
    try:
        return enforcer.authorize(rule, target, creds, do_raise=False)
    except policy.PolicyNotRegistered:
        return False
    except cfg.Error:
        raise
