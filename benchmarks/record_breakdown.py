#!/usr/bin/env python3
"""Where the bytes of record files go, column by column.

    python benchmarks/record_breakdown.py [RUN_OR_RECORDS_DIR]
                                          [--duration 1] [--preset paper16]

Without a directory, emulates the preset (``--duration`` seconds, no
counterfactual) into a temporary directory first.  Cuts every file's
records into blocks as the writer does (about 65,536 packets per block)
and prints, per payload column (docs/record-format.md): its raw size and
its size compressed on its own with zlib level 6, in bytes per
packet-record, next to the record files' actual bytes per packet-record.
Columns compressed apart add up to a little more than whole blocks
compressed together.
"""
import argparse
import dataclasses
import glob
import os
import tempfile
import zlib

import numpy as np

from microscope_plugin import emulator
from microscope_plugin.trace import block
from microscope_plugin.trace.reader import read_records
from microscope_plugin.trace.writer import BLOCK_PACKETS


def record_files(path):
    for d in (path, os.path.join(path, 'records')):
        files = sorted(glob.glob(os.path.join(d, '*.msr')))
        if files:
            return files
    raise SystemExit('no record files (*.msr) in %s or %s/records'
                     % (path, path))


def blocks(bursts, packets):
    """(bursts, packets) of each block, cut as write_records cuts them."""
    first = bursts.first
    ends = first + bursts.count.astype(np.int64)
    b0, nb = 0, len(bursts)
    while b0 < nb:
        b1 = max(int(np.searchsorted(ends, first[b0] + BLOCK_PACKETS,
                                     side='right')), b0 + 1)
        yield (bursts.slice(b0, b1),
               packets.slice(int(first[b0]), int(ends[b1 - 1])))
        b0 = b1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('path', nargs='?')
    ap.add_argument('--duration', type=float, default=1.0)
    ap.add_argument('--preset', default='paper16')
    args = ap.parse_args()
    path = args.path
    if path is None:
        path = tempfile.mkdtemp(prefix='msc-breakdown-')
        sc = dataclasses.replace(emulator.load_scenario(args.preset),
                                 duration_s=args.duration)
        emulator.run_to_directory(sc, path, counterfactual=False)
    files = record_files(path)
    raw, packed = {}, {}
    n_rec = n_bursts = n_literal = file_bytes = 0
    for f in files:
        file_bytes += os.path.getsize(f)
        rec = read_records(f)
        n_rec += len(rec.packets)
        n_bursts += len(rec.bursts)
        for bs, ps in blocks(rec.bursts, rec.packets):
            cols = block.payload_columns(bs, ps)
            n_literal += len(cols['literal_ipids']) // 2
            for name, data in cols.items():
                raw[name] = raw.get(name, 0) + len(data)
                packed[name] = packed.get(name, 0) + len(zlib.compress(data, 6))
    print('%d files, %d packet-records, %.3f bursts and %.3f literal IPIDs '
          'per packet-record' % (len(files), n_rec, n_bursts / n_rec,
                                 n_literal / n_rec))
    print('record files: %.3f bytes per packet-record' % (file_bytes / n_rec))
    print('%-16s %10s %12s' % ('column', 'raw B/rec', 'zlib B/rec'))
    for name in raw:
        print('%-16s %10.3f %12.3f' % (name, raw[name] / n_rec,
                                       packed[name] / n_rec))
    print('%-16s %10.3f %12.3f' % ('sum', sum(raw.values()) / n_rec,
                                   sum(packed.values()) / n_rec))


if __name__ == '__main__':
    main()
