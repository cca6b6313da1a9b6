"""Table 2, Table 3 and Fig. 15 summaries."""
import numpy as np
import pytest

from microscope_plugin.aggregation import (RelationRecords, instance_matrix,
                                           nf_type_matrix, plot_time_gap_cdf,
                                           time_gaps)
from tests.unit.aggregation.test_patterns import CAT, three_causes


def test_type_matrix_is_table_2():
    m = nf_type_matrix(three_causes(), CAT)
    assert m.rows == ['Traffic sources', 'nat', 'firewall', 'vpn']
    assert m.cols == ['nat', 'firewall', 'vpn']
    assert m.cell('Traffic sources', 'nat') == pytest.approx(0.4)
    assert m.cell('firewall', 'firewall') == pytest.approx(0.3)
    assert m.cell('nat', 'nat') == pytest.approx(0.3)
    assert m.values.sum() == pytest.approx(1.0)
    text = m.render()
    assert 'Traffic sources' in text and '40.00%' in text


def test_instance_matrix_is_table_3():
    m = instance_matrix(three_causes(), CAT, culprit_type='firewall')
    assert m.rows == ['fw1', 'fw2'] and m.cell('fw1', 'firewall') == pytest.approx(0.3)
    assert m.cell('fw2', 'firewall') == 0
    with pytest.raises(ValueError, match="unknown NF type 'router'"):
        instance_matrix(three_causes(), CAT, culprit_type='router')


def test_time_gaps_count_each_relation_once():
    rec = three_causes()
    # the burst relation has one row per relation; duplicate it as a second
    # culprit flow of the same relation: still 44 relations
    extra = rec.take(np.flatnonzero(rec.group == 0))
    extra.c_src[:] = 12345
    extra.c_t_ns[:] = 500
    both = RelationRecords.concat([rec, extra])
    cdf = time_gaps(both)
    assert len(cdf) == 44
    # burst victims at 2000..9000 ns, earliest culprit time 500 ns
    assert sorted(cdf.gap_ns.tolist())[-8:] == [1500 + 1000 * i for i in range(8)]
    assert cdf.cdf[-1] == pytest.approx(1.0)
    assert cdf.quantile(1.0) == 8500
    w = time_gaps(both, weighted=True)
    assert w.cdf[-1] == pytest.approx(1.0)
    d = cdf.to_dict()
    assert d['relations'] == 44 and len(d['cdf']) == 101


def test_empty_summaries():
    e = RelationRecords.empty()
    assert nf_type_matrix(e, CAT).values.sum() == 0
    assert len(time_gaps(e)) == 0


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip('matplotlib')
    path = plot_time_gap_cdf(time_gaps(three_causes()), tmp_path / 'gap.png')
    with open(path, 'rb') as fh:
        assert fh.read(8) == b'\x89PNG\r\n\x1a\n'
