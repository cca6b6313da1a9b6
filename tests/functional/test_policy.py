"""Policy rules in code: the sample file is current; personas decide."""
import os
import subprocess
import sys

from oslo_config import cfg
from oslo_context import context

from microscope_plugin.api import policies

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')


def test_policy_sample_is_current(tmp_path):
    exe = os.path.join(os.path.dirname(sys.executable),
                       'oslopolicy-sample-generator')
    out = tmp_path / 'policy.yaml'
    subprocess.run([exe, '--namespace', 'microscope', '--output-file',
                    str(out)], check=True, capture_output=True)
    with open(os.path.join(ROOT, 'etc', 'microscope',
                           'policy.yaml.sample')) as fh:
        assert fh.read() == out.read_text(), 'run tox -e genpolicy'


def test_personas():
    conf = cfg.ConfigOpts()
    conf([], default_config_files=[], default_config_dirs=[])
    enf = policies.get_enforcer(conf)
    try:
        def can(rule, roles, project='p1', target_project='p1'):
            ctx = context.RequestContext(roles=roles, project_id=project)
            return policies.authorize(enf, rule, ctx,
                                      {'project_id': target_project})
        assert can('microscope:diagnosis:create', ['admin'], 'x', 'p1')
        assert can('microscope:diagnosis:create', ['member'])
        assert not can('microscope:diagnosis:create', ['reader'])
        assert not can('microscope:diagnosis:create', ['member'], 'p2')
        assert can('microscope:cause:list', ['reader'])
        assert can('microscope:cause:list', ['vendor'], 'v', 'p1')
        assert not can('microscope:collection:list', ['vendor'])
        assert not can('microscope:scaling_hint:list', ['vendor'])
        assert not can('microscope:nonexistent', ['admin'])
    finally:
        policies.reset()
