"""``microscope ingest``: store record files in the database."""
import json

from oslo_db import exception as db_exc

from microscope_plugin import ingest
from microscope_plugin.cli.base import Command, UserError
from microscope_plugin.db import errors as db_errors
from microscope_plugin.db import migration
from microscope_plugin.db import session
from microscope_plugin.trace.format import RecordFormatError


class Ingest(Command):
    """Ingest record files (or run directories) into a collection.

    Each file is atomic (all of its new blocks or none) and idempotent
    (what is stored already is skipped).  A damaged file is reported with
    the byte offset of the damage; the others are still ingested, and the
    exit status is 1.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('paths', nargs='+', metavar='PATH',
                            help='Record files (.msr) or directories '
                                 'holding them (or a records/ folder).')
        parser.add_argument('--topology', default=None,
                            help='topology.json (default: the one next to '
                                 'the records, as the emulator writes it).')
        parser.add_argument('--collection', default=None,
                            help='Collection name (default: the name of the '
                                 'first path\'s directory); created when '
                                 'missing, with its topology.')
        parser.add_argument('--project-id', default=ingest.DEFAULT_PROJECT,
                            help='Project owning a new topology/collection.')
        parser.add_argument('--verify', action='store_true',
                            help='Decode every block too (slower), not only '
                                 'check framing and checksums.')
        parser.add_argument('--json', action='store_true',
                            help='Print the outcome as JSON.')
        return parser

    def take_action(self, args):
        import os
        from microscope_plugin import conf
        files = ingest.expand_paths(args.paths)
        topo_path = args.topology or ingest.find_topology_file(args.paths)
        if topo_path is None:
            raise UserError('no topology.json next to the records; give '
                            '--topology')
        topology = ingest.load_topology(topo_path)
        name = args.collection or os.path.basename(
            os.path.dirname(os.path.abspath(topo_path)))
        db = session.Database.from_conf(conf.CONF)
        if migration.current(db.engine) != migration.head():
            raise UserError('the database is not at the current schema; run '
                            'microscope-dbsync upgrade')
        cid = ingest.ensure_collection(db, args.project_id, topology, name)
        done, failed = [], []
        for path in files:
            try:
                done.append(ingest.ingest_path(db, cid, path, args.verify))
            except RecordFormatError as e:
                failed.append({'path': e.path, 'offset': e.offset,
                               'error': e.reason})
            except (db_errors.StorageError, db_exc.DBError) as e:
                failed.append({'path': path, 'offset': None, 'error': str(e)})
        out = {'collection_id': cid, 'collection': name,
               'ingested': [r.to_dict() for r in done], 'failed': failed}
        if args.json:
            self.app.stdout.write(json.dumps(out, indent=2) + '\n')
        else:
            w = self.app.stdout.write
            w('collection %s (%s)\n' % (name, cid))
            for r in done:
                w('  %-40s %-12s +%d blocks (%d packet-records), %d already '
                  'stored\n' % (r.path[-40:], r.nf, r.blocks_added,
                                r.packets_added, r.blocks_skipped))
            for f in failed:
                w('  %s: FAILED at byte offset %s: %s (nothing stored)\n'
                  % (f['path'], f['offset'], f['error']))
        return 1 if failed else 0
