"""The input contract: RelationRecords and NFCatalog."""
import numpy as np
import pytest

from microscope_plugin import emulator
from microscope_plugin.aggregation import NFCatalog, RelationRecords
from microscope_plugin.aggregation.records import COLUMNS, DTYPES

CAT = NFCatalog(('ingress', 'fw1', 'fw2'), ('source', 'firewall', 'firewall'))


def make(n=3, **over):
    cols = {k: np.zeros(n, dtype=t) for k, t in DTYPES.items()}
    cols['weight'] = np.ones(n)
    cols['c_nf'] = np.arange(n, dtype=np.int32) % 3
    cols['v_nf'] = np.full(n, 1, dtype=np.int32)
    cols.update(over)
    return RelationRecords(**cols)


def test_empty_validates_and_has_every_column():
    e = RelationRecords.empty()
    assert len(e) == 0 and e.validate() is e
    assert [getattr(e, k).dtype for k in COLUMNS] == list(DTYPES.values())


def test_build_casts_and_concat_keeps_order():
    r = RelationRecords.build(group=[1, 2], c_src=[1, 2], c_dst=[3, 4], c_sport=[5, 6],
                              c_dport=[7, 8], c_proto=[6, 17], c_nf=[0, 1],
                              v_src=[1, 1], v_dst=[2, 2], v_sport=[3, 3],
                              v_dport=[4, 4], v_proto=[6, 6], v_nf=[1, 2],
                              weight=[0.5, 1.5])
    assert r.c_src.dtype == np.uint32 and r.c_t_ns.dtype == np.int64
    both = RelationRecords.concat([r, r.take([1])])
    assert both.weight.tolist() == [0.5, 1.5, 1.5]
    assert RelationRecords.concat([]).validate() is not None


@pytest.mark.parametrize('column, value, message', [
    ('weight', np.array([1.0, -1.0, 1.0]), 'weight: negative at row 1'),
    ('weight', np.array([1.0, np.nan, 1.0]), 'weight: not finite at row 1'),
    ('weight', np.array([1.0, np.inf, 1.0]), 'weight: not finite'),
    ('c_src', np.zeros(3, dtype=np.int64), 'c_src: dtype int64, expected uint32'),
    ('v_nf', np.zeros(2, dtype=np.int32), 'v_nf: length 2, expected 3'),
    ('group', [1, 2, 3], 'group: expected a numpy array'),
    ('c_nf', np.array([0, -1, 0], dtype=np.int32), 'c_nf: negative NF id'),
])
def test_bad_columns_name_the_column(column, value, message):
    with pytest.raises(ValueError, match=message.replace('(', r'\(')):
        make(**{column: value}).validate()


def test_nf_ids_are_checked_against_the_catalog():
    r = make(v_nf=np.array([1, 1, 7], dtype=np.int32))
    with pytest.raises(ValueError, match=r'v_nf: NF id 7 outside the catalog \(3 NFs\)'):
        r.validate(CAT)


def test_build_rejects_values_that_do_not_fit():
    base = dict(group=[1], c_src=[1], c_dst=[1], c_sport=[70000], c_dport=[1],
                c_proto=[6], c_nf=[0], v_src=[1], v_dst=[1], v_sport=[1],
                v_dport=[1], v_proto=[6], v_nf=[0], weight=[1.0])
    with pytest.raises(ValueError, match='c_sport: values 70000..70000 do not fit'):
        RelationRecords.build(**base)
    base['c_sport'] = [1]
    del base['weight']
    with pytest.raises(ValueError, match='weight: missing column'):
        RelationRecords.build(**base)


def test_save_load_round_trip(tmp_path):
    r = make()
    path = tmp_path / 'rel.npz'
    r.save(path, CAT)
    back, cat = RelationRecords.load(path)
    assert cat == CAT
    for k in COLUMNS:
        np.testing.assert_array_equal(getattr(back, k), getattr(r, k))


def test_load_of_a_foreign_file_names_it(tmp_path):
    path = tmp_path / 'x.npz'
    np.savez(path, a=np.zeros(1))
    with pytest.raises(ValueError, match='x.npz: not a relation file'):
        RelationRecords.load(path)


def test_catalog_checks_and_topology():
    with pytest.raises(ValueError, match='duplicate NF'):
        NFCatalog(('a', 'a'), ('x', 'x'))
    with pytest.raises(ValueError, match='2 types for 1 names'):
        NFCatalog(('a',), ('x', 'y'))
    cat = NFCatalog.from_topology(emulator.load_scenario('paper16').topology())
    assert cat.names[0] == 'ingress' and cat.types[0] == 'source'
    assert cat.types[cat.index('firewall2')] == 'firewall'
    assert cat.type_names == ['source', 'nat', 'firewall', 'monitor', 'vpn']
    assert NFCatalog.from_dict(cat.to_dict()) == cat
