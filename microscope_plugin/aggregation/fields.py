"""The twelve fields of a causal relation as hierarchies (§4.4): IPv4
prefixes, port ranges (static or adaptive), protocols and NFs, and the
records' values in those hierarchies' domains."""
import numpy as np

from microscope_plugin.aggregation.hierarchy import (NFHierarchy, PortHierarchy,
                                                     PrefixHierarchy,
                                                     ProtoHierarchy,
                                                     adaptive_port_ranges)
from microscope_plugin.aggregation.records import FIELDS


def hierarchies(catalog, params, records=None):
    """The twelve field hierarchies (port ranges from ``records`` when
    ``params.adaptive_ports``)."""
    ip = PrefixHierarchy(params.prefix_lengths)
    proto = ProtoHierarchy()
    nf = NFHierarchy(catalog)
    out = []
    total = float(records.weight.sum()) if records is not None else 0.0
    for name in FIELDS:
        kind = name[2:]
        if kind in ('src', 'dst'):
            out.append(ip)
        elif kind in ('sport', 'dport'):
            ranges = None
            if params.adaptive_ports and records is not None:
                ranges = adaptive_port_ranges(getattr(records, name), records.weight,
                                              total, params.seed_share,
                                              params.port_gap, params.port_min_run)
            out.append(PortHierarchy(ranges, name=name))
        elif kind == 'proto':
            out.append(proto)
        else:
            out.append(nf)
    return out


def domain_values(records, nf_hier, fields=FIELDS):
    """(N, len(fields)) int64 domain values of the records' fields."""
    cols = []
    for name in fields:
        a = getattr(records, name)
        if name.endswith('_nf'):
            cols.append(nf_hier.to_domain(a))
        else:
            cols.append(a.astype(np.int64))
    if not cols:
        return np.zeros((len(records), 0), dtype=np.int64)
    return np.column_stack(cols)
