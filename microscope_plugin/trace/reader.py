"""The one reader of the record format (docs/record-format.md).

Vectorised: each block is decoded column by column with numpy.
"""
import mmap
import os

from microscope_plugin.trace import block
from microscope_plugin.trace import format as fmt
from microscope_plugin.trace.records import Bursts, NFRecords, Packets


def read_records(path, on_error='raise'):
    """Read a whole record file into :class:`NFRecords` columns.

    ``on_error='raise'`` raises :class:`RecordFormatError` (naming the file
    and byte offset) at the first damaged block.  ``on_error='truncate'``
    returns every block before it and puts the error in ``.error``; a
    damaged file header always raises, since nothing can be trusted.
    """
    if on_error not in ('raise', 'truncate'):
        raise ValueError("on_error must be 'raise' or 'truncate', got %r"
                         % (on_error,))
    path = os.fspath(path)
    with open(path, 'rb') as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            raise fmt.RecordFormatError(path, 0, 'empty file')
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _read(buf, path, size, on_error)


def _read(buf, path, size, on_error):
    header, offset = fmt.unpack_header(buf, path)
    bursts, packets = [], []
    dpk = dbu = 0
    error = None
    while offset < size:
        try:
            b, p, d1, d2, used = block.decode_block(buf, offset, path)
        except fmt.RecordFormatError as e:
            if on_error == 'raise':
                raise
            error = e
            break
        bursts.append(b)
        packets.append(p)
        dpk += d1
        dbu += d2
        offset += used
    return NFRecords(header=header, bursts=Bursts.concat(bursts),
                     packets=Packets.concat(packets), path=path,
                     n_blocks=len(bursts), dropped_packets=dpk,
                     dropped_bursts=dbu, file_bytes=size, error=error)


def read_header(path):
    """Read only the file header (cheap: for catalogues and listings)."""
    path = os.fspath(path)
    with open(path, 'rb') as fh:
        head = fh.read(fmt.HEADER_FIXED.size + 2 * (fmt.MAX_NAME + 2) + 4)
    if len(head) >= fmt.HEADER_FIXED.size:
        import struct
        (size,) = struct.unpack_from('<H', head, 10)
        head = head[:max(size, fmt.HEADER_FIXED.size)]
    return fmt.unpack_header(head, path)[0]
