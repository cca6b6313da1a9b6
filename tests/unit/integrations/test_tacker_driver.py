"""The Tacker management driver through Tacker's documented call
sequences (v1: instantiate, scale, heal, terminate; v2: the LCM script
with a pickled dict on stdin), with the ``tacker`` deployer running real
commands per compute node (here local ones that keep a journal)."""
import os
import pickle
import subprocess
import sys
import types

import pytest

from microscope_plugin.integrations import plugins
from microscope_plugin.integrations.tacker import driver as driver_mod
from microscope_plugin.integrations.tacker import vnf_info
from tests import servicelib

# what a compute node does, journaled: one line per command
REMOTE = ("sh -c 'echo {action} {vnf_instance_id} {vnfc_id} >> "
          "{records_dir}/{host}.journal'")
FETCH = ("sh -c 'cp {records_dir}/{host}.journal "
         "{dest}/{host}-{vnfc_id}.msr'")


def vnfc(id_, vdu, host=None, server='srv-' + 'x'):
    meta = {'OS-EXT-SRV-ATTR:host': host} if host else {}
    return types.SimpleNamespace(
        id=id_, vdu_id=vdu, metadata=meta,
        compute_resource=types.SimpleNamespace(resource_id=server))


def v1_instance(vnfcs):
    """A v1 VnfInstance as Tacker's versioned objects expose it."""
    return types.SimpleNamespace(
        id='vnf-1', instantiated_vnf_info=types.SimpleNamespace(
            vnfc_resource_info=vnfcs))


@pytest.fixture
def conf(tmp_path):
    rec = tmp_path / 'records'
    rec.mkdir()
    return servicelib.make_conf('sqlite://', tmp_path, **{
        'collector_deployer.remote_command': REMOTE,
        'collector_deployer.fetch_command': FETCH,
        'collector_deployer.records_dir': str(rec),
        'integrations.collector_deployer': 'tacker'})


def journal(conf, host):
    path = os.path.join(conf.collector_deployer.records_dir, host + '.journal')
    return open(path).read().split('\n')[:-1] if os.path.exists(path) else []


def test_interface_matches_tacker_abstract_driver():
    d = driver_mod.MicroscopeMgmtDriver()
    assert d.get_type() == d.get_name() == 'microscope'
    for step in ('instantiate', 'terminate', 'scale', 'heal',
                 'change_external_connectivity', 'modify_information'):
        for when in ('start', 'end'):
            assert callable(getattr(d, '%s_%s' % (step, when)))
    # registered for Tacker under the name get_type() returns
    from stevedore import driver
    mgr = driver.DriverManager('tacker.tacker.mgmt.drivers', 'microscope')
    assert mgr.driver is driver_mod.MicroscopeMgmtDriver


def test_v1_lifecycle_sequence(conf):
    d = driver_mod.MicroscopeMgmtDriver(conf=conf)
    ctx = object()
    one = [vnfc('c1aaaaaaaa', 'VDU1', host='compute-1')]
    inst = v1_instance(one)
    d.instantiate_start(context=ctx, vnf_instance=inst,
                        instantiate_vnf_request=None, grant=None,
                        grant_request=None)
    assert journal(conf, 'compute-1') == []
    rep = d.instantiate_end(context=ctx, vnf_instance=inst,
                            instantiate_vnf_request=None, grant=None,
                            grant_request=None)
    assert [r['ok'] for r in rep] == [True]
    assert journal(conf, 'compute-1') == ['start vnf-1 c1aaaaaaaa']
    # scale out: a second VNFC on another node; both are (re)deployed
    inst = v1_instance(one + [vnfc('c2bbbbbbbb', 'VDU1', host='compute-2')])
    d.scale_start(ctx, inst, None, None, None)
    d.scale_end(context=ctx, vnf_instance=inst, scale_vnf_request=None,
                grant=None, grant_request=None)
    assert journal(conf, 'compute-1')[-1] == 'restart vnf-1 c1aaaaaaaa'
    assert journal(conf, 'compute-2') == ['restart vnf-1 c2bbbbbbbb']
    d.heal_start(ctx, inst, None)
    d.heal_end(ctx, inst, None)   # the older additional_params style
    assert journal(conf, 'compute-2')[-1] == 'restart vnf-1 c2bbbbbbbb'
    rep = d.terminate_start(context=ctx, vnf_instance=inst,
                            terminate_vnf_request=None, grant=None,
                            grant_request=None)
    files = [f for r in rep for f in r['result']['record_files']]
    assert sorted(os.path.basename(f) for f in files) == [
        'compute-1-c1aaaaaaaa.msr', 'compute-2-c2bbbbbbbb.msr']
    assert 'stop vnf-1 c1aaaaaaaa' in open(files[0]).read()
    d.terminate_end(ctx, inst, None)
    assert [s for s, _ in d.reports] == [
        'instantiate_start', 'instantiate_end', 'scale_start', 'scale_end',
        'heal_start', 'heal_end', 'terminate_start', 'terminate_end']


def test_unreachable_node_is_reported_not_raised(conf):
    conf.set_override('remote_command', 'false', group='collector_deployer')
    d = driver_mod.MicroscopeMgmtDriver(conf=conf)
    inst = v1_instance([vnfc('c1', 'VDU1', host='compute-9')])
    (r,) = d.instantiate_end(None, inst)
    assert not r['ok'] and 'compute-9' in r['error'] and 'exited 1' in r['error']
    d.fail_on_error = True
    with pytest.raises(RuntimeError, match='compute-9'):
        d.instantiate_end(None, inst)


def test_host_falls_back_to_the_server_id():
    inst = v1_instance([vnfc('c1', 'VDU1', server='6f2c-server')])
    (t,) = vnf_info.targets(inst)
    assert t['host'] == '6f2c-server' and t['vnfc_id'] == 'c1'
    assert vnf_info.targets(types.SimpleNamespace(id='x')) == []


def test_v2_script_protocol(conf, tmp_path):
    cfg = tmp_path / 'microscope.conf'
    cfg.write_text('[integrations]\ncollector_deployer = tacker\n'
                   '[collector_deployer]\nremote_command = %s\n'
                   'fetch_command = %s\nrecords_dir = %s\n'
                   % (REMOTE, FETCH, conf.collector_deployer.records_dir))
    inst = {'id': 'vnf-2', 'instantiatedVnfInfo': {'vnfcResourceInfo': [
        {'id': 'c9', 'vduId': 'VDU1', 'computeResource': {
            'resourceId': 'srv-9'}, 'metadata': {'host': 'compute-3'}}]}}

    def call(operation):
        script = {'operation': operation, 'request': {}, 'vnf_instance': inst,
                  'grant_request': None, 'grant_response': None,
                  'tmp_csar_dir': str(tmp_path)}
        env = dict(os.environ, MICROSCOPE_CONFIG_FILE=str(cfg))
        return subprocess.run(
            [sys.executable, '-m',
             'microscope_plugin.integrations.tacker.lcm_script'],
            input=pickle.dumps(script), capture_output=True, env=env,
            timeout=60)

    p = call('instantiate_end')
    assert p.returncode == 0, p.stderr
    out = pickle.loads(p.stdout)
    assert out['microscope']['collectors'][0]['ok']
    assert journal(conf, 'compute-3') == ['start vnf-2 c9']
    p = call('instantiate_start')
    assert p.returncode == 0 and pickle.loads(p.stdout) == {}
    p = call('terminate_start')
    assert p.returncode == 0, p.stderr
    assert journal(conf, 'compute-3')[-1] == 'stop vnf-2 c9'
    p = call('dance')
    assert p.returncode == 1 and b"'dance' is not handled" in p.stderr


def test_driver_imports_without_tacker():
    p = subprocess.run([sys.executable, '-c', (
        'import sys; sys.modules["tacker"] = None\n'
        'from microscope_plugin.integrations.tacker import driver\n'
        'print(driver.MicroscopeMgmtDriver().get_type())')],
        capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == 'microscope', p.stderr
    assert plugins.load(plugins.DEPLOYERS, 'tacker',
                        servicelib.make_conf('sqlite://', '/tmp')).name == \
        'tacker'
