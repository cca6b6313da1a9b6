"""Load stored record blocks back into :class:`NFRecords` columns.

Blocks are decoded exactly as the file reader does (one numpy decode per
block) and concatenated per NF.  When one NF's records come from several
files (a collector that rotated, or restarted with a new clock anchor),
their timestamps are put on one clock: nanoseconds since the epoch, with
a 1 GHz header.
"""
import collections

import numpy as np

from microscope_plugin.db import records as records_db
from microscope_plugin.trace import block as block_mod
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.records import Bursts, NFRecords, Packets


class StoredBlockError(fmt.RecordFormatError):
    """A stored block failed to decode; names its source file and offset."""


def _merge(name, parts):
    """parts: [(header, [bursts], [packets], dropped_pk, dropped_bu, n)]"""
    if len(parts) == 1:
        header, bl, pl, dpk, dbu, n = parts[0]
        return NFRecords(header=header, bursts=Bursts.concat(bl),
                         packets=Packets.concat(pl), n_blocks=n,
                         dropped_packets=dpk, dropped_bursts=dbu)
    first_ns = []
    for header, bl, _pl, _a, _b, _n in parts:
        first_ns.append(int(header.to_ns(bl[0].tsc[:1])[0]) if bl and len(bl[0])
                        else 0)
    order = np.argsort(first_ns, kind='stable')
    bursts, packets = [], []
    dpk = dbu = n = 0
    for i in order:
        header, bl, pl, a, b, k = parts[i]
        for x in bl:
            x.tsc = header.to_ns(x.tsc).astype(np.uint64)
        bursts += bl
        packets += pl
        dpk, dbu, n = dpk + a, dbu + b, n + k
    h0 = parts[order[0]][0]
    header = fmt.FileHeader(nf_name=name, host=h0.host, tsc_hz=1_000_000_000,
                            anchor_tsc=0, anchor_unix_ns=0, role=h0.role,
                            flags=h0.flags)
    return NFRecords(header=header, bursts=Bursts.concat(bursts),
                     packets=Packets.concat(packets), n_blocks=n,
                     dropped_packets=dpk, dropped_bursts=dbu)


def load_records(db, collection_id, start_ns=None, end_ns=None):
    """NFRecords per NF with blocks overlapping [start_ns, end_ns)."""
    per_file = collections.OrderedDict()
    with db.begin() as session:
        headers = records_db.file_headers(session, collection_id)
        for file_id, offset, data in records_db.iter_blocks(
                session, collection_id, start_ns, end_ns):
            name, hbytes, source = headers[file_id]
            try:
                b, p, dpk, dbu, _ = block_mod.decode_block(bytes(data), 0, source)
            except fmt.RecordFormatError as e:
                raise StoredBlockError(source, offset, e.reason)
            entry = per_file.get(file_id)
            if entry is None:
                header, _ = fmt.unpack_header(hbytes, source)
                entry = per_file[file_id] = [header, [], [], 0, 0, 0]
            entry[1].append(b)
            entry[2].append(p)
            entry[3] += dpk
            entry[4] += dbu
            entry[5] += 1
    per_nf = collections.OrderedDict()
    for file_id, entry in per_file.items():
        per_nf.setdefault(headers[file_id][0], []).append(tuple(entry))
    return [_merge(name, parts) for name, parts in per_nf.items()]
