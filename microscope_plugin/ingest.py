"""Ingest record files into a collection (CLI ``microscope ingest`` and
``POST /v1/collections/{id}/files``).

Each file is scanned in full first (framing and CRC of every block), then
stored in one transaction: a damaged file is reported with its name and
the byte offset of the damage and adds nothing; a file ingested before
adds nothing again.
"""
import glob
import os

from microscope_plugin import topology as topo_mod
from microscope_plugin.db import catalog
from microscope_plugin.db import records
from microscope_plugin.trace import scan

DEFAULT_PROJECT = 'default'


def ingest_bytes(db, collection_id, buf, name, verify=False):
    """Scan and store one file's bytes; returns an IngestResult.

    Raises RecordFormatError (damaged), or storage errors (unknown NF,
    conflicting block) — in every case nothing of the file is stored."""
    scanned = scan.scan_bytes(buf, name, verify=verify)
    with db.begin() as session:
        coll = catalog.get_collection(session, collection_id)
        return records.ingest_scanned(session, coll, scanned, source=name)


def ingest_path(db, collection_id, path, verify=False):
    with open(path, 'rb') as fh:
        buf = fh.read()
    return ingest_bytes(db, collection_id, buf, os.path.abspath(path), verify)


def expand_paths(paths):
    """Record files named by ``paths``: files as given; a directory gives
    its ``*.msr`` files and those of its ``records/`` subdirectory."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            found = sorted(glob.glob(os.path.join(p, '*.msr'))
                           + glob.glob(os.path.join(p, 'records', '*.msr')))
            if not found:
                raise FileNotFoundError('%s: no *.msr record files in this '
                                        'directory or its records/' % p)
            out.extend(found)
        else:
            if not os.path.exists(p):
                raise FileNotFoundError('%s: no such file' % p)
            out.append(p)
    return out


def find_topology_file(paths):
    """The topology.json next to the given record files, if any."""
    for p in paths:
        d = p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p))
        for cand in (os.path.join(d, 'topology.json'),
                     os.path.join(os.path.dirname(d), 'topology.json')):
            if os.path.isfile(cand):
                return cand
    return None


def ensure_collection(db, project_id, topology, collection_name):
    """The collection ``collection_name`` of an equal stored topology,
    created (with the topology) when missing."""
    with db.begin() as session:
        trow = catalog.find_topology(session, project_id, topology)
        if trow is None:
            trow = catalog.create_topology(session, project_id, topology)
        coll = catalog.find_collection(session, project_id, trow.id,
                                       collection_name)
        if coll is None:
            coll = catalog.create_collection(session, project_id, trow.id,
                                             collection_name)
        return coll.id


def load_topology(path):
    return topo_mod.Topology.load(path)
