"""Ring records (collector/src/ring.h) built in Python, for format tests."""
import struct

import numpy as np

Q_TX, Q_NOT_IPV4, Q_TUPLES = 1 << 12, 1 << 13, 1 << 14


def pack_record(tsc, port, queue, tx, ipid, ipv4, max_pkts=32, tuples=None):
    """One ring record.  ``ipid`` (host order) and ``ipv4`` are per packet;
    ``tuples`` is None or (src, dst, sport, dport, proto) arrays."""
    n = len(ipid)
    ipv4 = np.asarray(ipv4, dtype=bool)
    qflags = queue | (Q_TX if tx else 0) | (Q_TUPLES if tuples is not None
                                            else 0)
    if not ipv4.all():
        qflags |= Q_NOT_IPV4
    out = struct.pack('<QHHHH', tsc, port, qflags, n, 0 if tx else max_pkts)
    wire = np.where(ipv4, np.asarray(ipid, dtype=np.uint16), 0).astype('>u2')
    body = wire.tobytes()
    out += body + bytes(-len(body) % 8)
    if tuples is not None:
        src, dst, sport, dport, proto = (np.asarray(t) for t in tuples)
        for i in range(n):
            if ipv4[i]:
                out += struct.pack('>IIHHB3x', int(src[i]), int(dst[i]),
                                   int(sport[i]), int(dport[i]), int(proto[i]))
            else:
                out += bytes(16)
    if not ipv4.all():
        words = np.zeros((n + 63) // 64, dtype='<u8')
        for i in np.flatnonzero(~ipv4):
            words[i >> 6] |= np.uint64(1) << np.uint64(i & 63)
        out += words.tobytes()
    return out
