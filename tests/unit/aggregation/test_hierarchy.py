"""Field hierarchies and the adaptive port range rule."""
import ipaddress

import numpy as np
import pytest

from microscope_plugin.aggregation.hierarchy import (NFHierarchy, PortHierarchy,
                                                     PrefixHierarchy, ProtoHierarchy,
                                                     adaptive_port_ranges)
from microscope_plugin.aggregation.records import NFCatalog


def ip(text):
    return int(ipaddress.IPv4Address(text))


def test_prefix_nodes_levels_and_labels():
    h = PrefixHierarchy((0, 8, 16, 24, 32))
    lo, hi = h.node_at(np.array([ip('10.1.2.3')]), 2)
    assert h.label(lo[0], hi[0]) == '10.1.0.0/16'
    assert h.level_of(lo, hi).tolist() == [2]
    # 10.1.2.3 and 10.1.200.1 share /16: the byte-step floor of /16
    lo, hi = h.smallest_containing(np.array([ip('10.1.2.3')]), np.array([ip('10.1.200.1')]))
    assert h.label(lo[0], hi[0]) == '10.1.0.0/16'
    every = PrefixHierarchy()
    lo, hi = every.smallest_containing(np.array([ip('1.0.0.0')]), np.array([ip('1.63.0.0')]))
    assert every.label(lo[0], hi[0]) == '1.0.0.0/10'
    assert h.label(0, 2**32 - 1) == '*'
    keys = h.key(lo, hi)
    assert tuple(x[0] for x in h.unkey(keys)) == (lo[0], hi[0])
    with pytest.raises(ValueError, match='must include 0 and 32'):
        PrefixHierarchy((8, 32))


def test_keys_sort_in_pre_order():
    h = PortHierarchy([(2000, 2008)])
    nodes = [(0, 65535), (0, 1023), (80, 80), (1024, 65535), (2000, 2008), (9000, 9000)]
    lo = np.array([a for a, _ in nodes])
    hi = np.array([b for _, b in nodes])
    assert np.all(np.diff(h.key(lo, hi)) > 0)


def test_static_and_adaptive_ports():
    static = PortHierarchy()
    assert static.node_at(np.array([80, 5000]), 1)[1].tolist() == [1023, 65535]
    lo, hi = static.smallest_containing(np.array([80]), np.array([443]))
    assert static.label(lo[0], hi[0]) == '0-1023'
    adaptive = PortHierarchy([(2000, 2008)])
    lo, hi = adaptive.node_at(np.array([2004, 2010]), 2)
    assert list(zip(lo, hi)) == [(2000, 2008), (2010, 2010)]
    assert adaptive.label(2000, 2008) == '2000-2008'
    with pytest.raises(ValueError, match='crosses 1023/1024'):
        PortHierarchy([(1000, 1100)])
    with pytest.raises(ValueError, match='ordered and disjoint'):
        PortHierarchy([(2000, 2010), (2005, 2020)])


def test_adaptive_range_rule():
    ports = np.array([2000, 2001, 2002, 2004, 2008, 22, 25, 443, 30000, 1022, 1023, 1024,
                      1025, 1026])
    w = np.array([5, 5, 5, 5, 5, 5, 5, 40, 0.1, 3, 3, 3, 3, 3], dtype=float)
    r = adaptive_port_ranges(ports, w, 100.0, seed_share=0.01, gap=4, min_ports=3)
    # 2000..2008 with gaps <= 4 is one range; 22/25 are only two seeds;
    # 1022-1026 is cut at 1023/1024 (two seeds below, three above)
    assert r.tolist() == [[1024, 1026], [2000, 2008]]
    # a light value is no seed; a gap above 4 cuts the run
    r = adaptive_port_ranges(np.array([2000, 2001, 2002, 2009]), np.array([1, 1, 1, 1.0]),
                             4.0, seed_share=0.2, gap=4, min_ports=3)
    assert r.tolist() == [[2000, 2002]]
    assert adaptive_port_ranges(ports, w, 100.0, seed_share=0, gap=4,
                                min_ports=3).shape == (0, 2)


def test_proto_and_nf():
    p = ProtoHierarchy()
    assert p.label(6, 6) == 'tcp' and p.label(47, 47) == '47' and p.label(0, 255) == '*'
    cat = NFCatalog(('in', 'nat1', 'fw1', 'nat2', 'mon1'),
                    ('source', 'nat', 'firewall', 'nat', 'monitor'))
    h = NFHierarchy(cat)
    r = h.to_domain(np.array([1, 3]))
    lo, hi = h.smallest_containing(r[:1], r[1:])
    assert h.label(lo[0], hi[0]) == 'nat' and h.level_name(lo[0], hi[0]) == 'type'
    # a type with one instance: the instance names the node
    m = h.to_domain(np.array([4]))[0]
    assert h.label(m, m) == 'mon1' and h.level_of(np.array([m]), np.array([m]))[0] == 2
    lo, hi = h.smallest_containing(h.to_domain(np.array([0])), h.to_domain(np.array([2])))
    assert h.label(lo[0], hi[0]) == '*'
