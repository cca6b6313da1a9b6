"""In-memory columns of one record file (one NF or one traffic entry tap).

A struct of numpy arrays — never an object per packet.  Burst columns are
indexed by burst, packet columns by packet; packets are stored in burst
order, so burst ``b`` owns packets ``first[b] : first[b] + count[b]``.
"""
import dataclasses

import numpy as np

from microscope_plugin.trace import format as fmt

BURST_DTYPES = {
    'tsc': np.uint64, 'port': np.uint16, 'queue': np.uint16,
    'direction': np.uint8, 'count': np.uint32, 'max_pkts': np.uint32,
}
PACKET_DTYPES = {
    'ipid': np.uint16, 'ipv4': np.bool_, 'has_tuple': np.bool_,
    'src': np.uint32, 'dst': np.uint32, 'sport': np.uint16,
    'dport': np.uint16, 'proto': np.uint8,
}


def _empty(dtypes):
    return {k: np.zeros(0, dtype=t) for k, t in dtypes.items()}


@dataclasses.dataclass
class Bursts:
    tsc: np.ndarray
    port: np.ndarray
    queue: np.ndarray
    direction: np.ndarray
    count: np.ndarray
    max_pkts: np.ndarray

    @classmethod
    def empty(cls):
        return cls(**_empty(BURST_DTYPES))

    @classmethod
    def concat(cls, parts):
        if not parts:
            return cls.empty()
        return cls(**{k: np.concatenate([getattr(p, k) for p in parts])
                      for k in BURST_DTYPES})

    def __len__(self):
        return len(self.tsc)

    @property
    def first(self):
        """Index of each burst's first packet in the packet columns."""
        ends = np.cumsum(self.count, dtype=np.int64)
        return ends - self.count.astype(np.int64)

    def slice(self, start, stop):
        return Bursts(**{k: getattr(self, k)[start:stop] for k in BURST_DTYPES})


@dataclasses.dataclass
class Packets:
    ipid: np.ndarray
    ipv4: np.ndarray
    has_tuple: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    sport: np.ndarray
    dport: np.ndarray
    proto: np.ndarray

    @classmethod
    def empty(cls):
        return cls(**_empty(PACKET_DTYPES))

    @classmethod
    def zeros(cls, n):
        return cls(**{k: np.zeros(n, dtype=t) for k, t in PACKET_DTYPES.items()})

    @classmethod
    def concat(cls, parts):
        if not parts:
            return cls.empty()
        return cls(**{k: np.concatenate([getattr(p, k) for p in parts])
                      for k in PACKET_DTYPES})

    def __len__(self):
        return len(self.ipid)

    def slice(self, start, stop):
        return Packets(**{k: getattr(self, k)[start:stop]
                          for k in PACKET_DTYPES})


@dataclasses.dataclass
class NFRecords:
    """Everything one record file holds, as columns.

    ``error`` is ``None`` for a clean file; for a damaged one read with
    ``on_error='truncate'`` it is the :class:`RecordFormatError` that
    stopped the reader, and the columns hold every block before it.
    """

    header: fmt.FileHeader
    bursts: Bursts
    packets: Packets
    path: str = ''
    n_blocks: int = 0
    dropped_packets: int = 0
    dropped_bursts: int = 0
    file_bytes: int = 0
    error: Exception = None

    @property
    def nf_name(self):
        return self.header.nf_name

    def burst_ns(self):
        """Burst timestamps as wall-clock nanoseconds (int64)."""
        return self.header.to_ns(self.bursts.tsc)

    def packet_burst(self):
        """Index of the burst each packet belongs to."""
        return np.repeat(np.arange(len(self.bursts), dtype=np.int64),
                         self.bursts.count.astype(np.int64))

    def validate(self):
        """Check cross-column consistency; raises ValueError naming the column."""
        n = int(self.bursts.count.sum(dtype=np.int64))
        if n != len(self.packets):
            raise ValueError('%s: bursts count %d packets but %d packet '
                             'records are present' % (self.nf_name, n,
                                                      len(self.packets)))
        lens = {k: len(getattr(self.bursts, k)) for k in BURST_DTYPES}
        if len(set(lens.values())) > 1:
            raise ValueError('%s: burst columns differ in length: %s'
                             % (self.nf_name, lens))
        lens = {k: len(getattr(self.packets, k)) for k in PACKET_DTYPES}
        if len(set(lens.values())) > 1:
            raise ValueError('%s: packet columns differ in length: %s'
                             % (self.nf_name, lens))
