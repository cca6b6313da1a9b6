"""The one writer of the record format (docs/record-format.md)."""
import os

import numpy as np

from microscope_plugin.trace import block

BLOCK_PACKETS = 65536   # packets per block write_records aims at


class RecordWriter:
    """Write a record file block by block.

    The file is written under ``<path>.part`` and renamed into place by
    :meth:`close`, so a reader never sees a half-written file under its
    final name.  Use as a context manager; on an exception the partial
    file is removed.
    """

    def __init__(self, path, header, compress=True, level=6):
        self.path = str(path)
        self.header = header
        self.compress = compress
        self.level = level
        self._tmp = self.path + '.part'
        self._fh = open(self._tmp, 'wb')
        self._fh.write(header.pack())
        self.bytes_written = self._fh.tell()
        self.blocks = 0

    def write_block(self, bursts, packets, dropped_packets=0, dropped_bursts=0):
        data = block.encode_block(bursts, packets, dropped_packets,
                                  dropped_bursts, self.compress, self.level)
        self._fh.write(data)
        self.bytes_written += len(data)
        self.blocks += 1

    def close(self):
        if self._fh is None:
            return
        self._fh.close()
        self._fh = None
        os.replace(self._tmp, self.path)

    def abort(self):
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            os.unlink(self._tmp)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_records(path, header, bursts, packets, block_packets=BLOCK_PACKETS,
                  compress=True):
    """Write whole columns to ``path``, cutting blocks at burst boundaries.

    Each block holds whole bursts and about ``block_packets`` packets.
    Returns the file size in bytes.
    """
    first = bursts.first
    ends = first + bursts.count.astype(np.int64)
    with RecordWriter(path, header, compress=compress) as w:
        b0 = 0
        nb = len(bursts)
        while b0 < nb:
            limit = first[b0] + block_packets
            b1 = int(np.searchsorted(ends, limit, side='right'))
            b1 = max(b1, b0 + 1)
            w.write_block(bursts.slice(b0, b1),
                          packets.slice(int(first[b0]), int(ends[b1 - 1])))
            b0 = b1
    return w.bytes_written
