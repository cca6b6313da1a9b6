"""The ``local`` collector deployer: a real dpdk-testpmd (net_pcap and
net_null vdevs, no hugepages, its own --file-prefix, under timeout)
started under the collector and stopped cleanly, its records read back."""
import numpy as np
import pytest

from microscope_plugin.collector.runner import burst_direction
from microscope_plugin.collector.testpmd import build_testpmd_cmd
from microscope_plugin.integrations import plugins
from microscope_plugin.integrations.deployers.base import DeployError
from microscope_plugin.trace import read_records
from tests import servicelib
from tests.integration.collector.traffic import make_pcap

pytestmark = pytest.mark.dpdk


@pytest.fixture
def deployer(tmp_path, artifacts):
    conf = servicelib.make_conf('sqlite://', tmp_path, **{
        'collector_deployer.records_dir': str(tmp_path / 'records'),
        'collector_deployer.run_timeout_s': 60})
    d = plugins.load_deployer(conf, 'local')
    d.artifacts = artifacts
    yield d
    for nf in list(d.runs):
        d.runs.pop(nf).close()


def test_deploy_records_a_pcap_nf_and_stops_cleanly(deployer, tmp_path,
                                                    prefix):
    make_pcap(tmp_path / 'in.pcap', 3000, seed=3)
    vdev = 'net_pcap0,rx_pcap=%s,tx_pcap=%s' % (tmp_path / 'in.pcap',
                                                tmp_path / 'out.pcap')
    target = {'nf': 'fw-local',
              'command': build_testpmd_cmd(prefix, [vdev],
                                           port_topology='loop')}
    st = deployer.deploy(target)
    assert st['state'] == 'running' and st['pid'] > 0
    assert deployer.status() == {'fw-local': 'running'}
    with pytest.raises(DeployError, match='already running'):
        deployer.deploy(target)
    run = deployer.runs['fw-local']
    assert run.nf_cmd[:2] == ['timeout', '--signal=INT']
    assert run.wait_rings_idle(min_head=1, timeout=60), run.nf_output()
    assert deployer.refresh(target)['pid'] == st['pid']   # still running
    res = deployer.remove(target)
    assert res['state'] == 'stopped' and res['returncode'] == 0, \
        run.nf_output()
    assert res['record_files'] and deployer.status() == {}
    rec = read_records(res['record_files'][0])
    d = burst_direction(rec)
    assert int((d == 0).sum()) == 3000 and int((d == 1).sum()) == 3000
    assert rec.header.nf_name == 'fw-local'
    with pytest.raises(DeployError, match='not running'):
        deployer.remove(target)


def test_refresh_restarts_an_nf_that_exited(deployer, tmp_path, prefix):
    # net_null makes packets forever; a 2 s timeout ends the NF by itself
    cmd = build_testpmd_cmd(prefix, ['net_null0', 'net_null1'])
    target = {'nf': 'null-nf', 'command': cmd, 'timeout_s': 2}
    first = deployer.deploy(target)
    run = deployer.runs['null-nf']
    run.nf.wait(30)
    assert deployer.status()['null-nf'].startswith('exited')
    again = deployer.refresh(dict(target, timeout_s=60,
                                  command=build_testpmd_cmd(
                                      prefix + 'b', ['net_null0',
                                                     'net_null1'])))
    assert again['state'] == 'running' and again['pid'] != first['pid']
    res = deployer.remove(target)
    assert res['record_files']
    rec = read_records(res['record_files'][-1])
    assert len(rec.packets.ipid) > 0 and np.all(rec.bursts.count > 0)


def test_missing_command_is_a_clear_error(deployer):
    with pytest.raises(DeployError, match='needs nf and command'):
        deployer.deploy({'nf': 'x'})
