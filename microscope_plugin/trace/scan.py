"""Scan a record file's framing without decoding it: the file header and,
per block, its offset, size, counts, time range and CRC.

Ingest stores the blocks verbatim, so it needs only to prove each one
intact: the block CRC-32 covers its header and stored payload, which is
what a truncated or corrupted file breaks.  ``verify=True`` also decodes
every block (a writer bug that produced a well-framed but inconsistent
block is then caught at ingest instead of at diagnosis).
"""
import dataclasses
import hashlib
import os

import numpy as np

from microscope_plugin.trace import block as block_mod
from microscope_plugin.trace import format as fmt


@dataclasses.dataclass
class ScannedFile:
    path: str
    header: fmt.FileHeader
    header_bytes: bytes
    size: int
    buf: object                 # bytes-like holding the whole file
    offset: np.ndarray          # per block: byte offset in the file
    length: np.ndarray          # bytes of the block (header + payload)
    n_bursts: np.ndarray
    n_packets: np.ndarray
    n_tuples: np.ndarray
    start_ns: np.ndarray
    end_ns: np.ndarray
    dropped_packets: np.ndarray
    dropped_bursts: np.ndarray
    crc32: np.ndarray

    @property
    def header_sha256(self):
        return hashlib.sha256(self.header_bytes).hexdigest()

    @property
    def n_blocks(self):
        return len(self.offset)

    def block_bytes(self, i):
        o = int(self.offset[i])
        return bytes(self.buf[o:o + int(self.length[i])])


def scan_bytes(buf, path, verify=False):
    """Scan ``buf`` (the bytes of one record file named ``path``).

    Raises :class:`RecordFormatError` naming ``path`` and the byte offset
    of the first damaged block (or of the damaged header).
    """
    size = len(buf)
    if size == 0:
        raise fmt.RecordFormatError(path, 0, 'empty file')
    header, offset = fmt.unpack_header(buf, path)
    if header.anchor_tsc >= 1 << 63:
        raise fmt.RecordFormatError(path, 24, 'anchor_tsc %d beyond 2^63'
                                    % header.anchor_tsc)
    head_bytes = bytes(buf[:offset])
    rows = []
    while offset < size:
        h = fmt.check_block(buf, offset, path)
        first_tsc, last_tsc = h.first_tsc, h.last_tsc
        end = offset + fmt.BLOCK_HEAD + h.payload_size
        if last_tsc < first_tsc or last_tsc >= 1 << 63:
            raise fmt.RecordFormatError(path, offset, 'block time range %d..%d '
                                        'is not increasing' % (first_tsc, last_tsc))
        if verify:
            block_mod.decode_block(buf, offset, path)
        rows.append((offset, end - offset, h.n_bursts, h.n_packets,
                     h.n_tuples, first_tsc, last_tsc, h.dropped_packets,
                     h.dropped_bursts, h.crc32))
        offset = end
    cols = np.array(rows, dtype=np.int64).reshape(-1, 10)
    ends = cols[:, 6].astype(np.uint64)
    return ScannedFile(
        path=path, header=header, header_bytes=head_bytes, size=size, buf=buf,
        offset=cols[:, 0], length=cols[:, 1], n_bursts=cols[:, 2],
        n_packets=cols[:, 3], n_tuples=cols[:, 4],
        start_ns=header.to_ns(cols[:, 5].astype(np.uint64)),
        end_ns=header.to_ns(ends), dropped_packets=cols[:, 7],
        dropped_bursts=cols[:, 8], crc32=cols[:, 9])


def scan_file(path, verify=False):
    """Read and scan the record file at ``path``."""
    path = os.fspath(path)
    with open(path, 'rb') as fh:
        buf = fh.read()
    return scan_bytes(buf, path, verify=verify)
