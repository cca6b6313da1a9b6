"""Record format (versioned), its columns, reader and writer.

Public surface::

    from microscope_plugin.trace import (FileHeader, NFRecords, Bursts,
        Packets, RecordFormatError, read_records, write_records)
"""
from microscope_plugin.trace.format import (  # noqa: F401
    DIR_RX, DIR_TX, ROLE_NF, ROLE_SOURCE, FileHeader, RecordFormatError)
from microscope_plugin.trace.reader import read_header, read_records  # noqa: F401
from microscope_plugin.trace.records import Bursts, NFRecords, Packets  # noqa: F401
from microscope_plugin.trace.writer import RecordWriter, write_records  # noqa: F401
