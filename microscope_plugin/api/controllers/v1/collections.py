"""/v1/collections and /v1/collections/{id}/files (ingest)."""
import pecan

from microscope_plugin import ingest
from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1.base import Resource, iso, no_body, page
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi
from microscope_plugin.db import errors as db_errors

OCTET = 'application/octet-stream'


def collection_dict(row, stats=None):
    d = {'id': row.id, 'name': row.name, 'project_id': row.project_id,
         'topology_id': row.topology_id, 'start_ns': row.start_ns,
         'end_ns': row.end_ns, 'files': row.n_files, 'blocks': row.n_blocks,
         'bursts': row.n_bursts, 'packet_records': row.n_packets,
         'stored_bytes': row.stored_bytes, 'created_at': iso(row.created_at),
         'updated_at': iso(row.updated_at)}
    if stats is not None:
        d['nfs'] = stats
    return d


def file_dict(item):
    f, nf = item
    return {'id': f.id, 'nf': nf, 'source': f.source, 'host': f.host,
            'role': 'source' if f.role == 1 else 'nf',
            'format_version': f.format_version, 'tsc_hz': f.tsc_hz,
            'header_sha256': f.header_sha256, 'file_bytes': f.file_bytes,
            'blocks': f.n_blocks, 'packet_records': f.n_packets,
            'created_at': iso(f.created_at)}


class FilesController(Resource):
    @pecan.expose('json')
    def get_all(self, collection_id, **kw):
        scope = scope_for('microscope:collection:get')
        q = v.query(kw, {}, pecan.request.conf)
        cid = v.uuid_id('collection_id', collection_id, 'collection')
        marker = None if q['marker'] is None else \
            v.integer('marker', q['marker'], 0)
        with pecan.request.db.begin() as s:
            dbapi.get_collection(s, cid, scope)
            rows = dbapi.list_record_files(s, cid, q['limit'], marker)
        return page('files', rows, file_dict, q, key=lambda r: r[0].id)

    @pecan.expose('json')
    def post(self, collection_id, **kw):
        """Ingest one record file, sent as the request body."""
        scope = scope_for('microscope:collection:ingest')
        req = pecan.request
        q = v.query(kw, {'name': lambda f, x: v.text(f, x, 1024),
                         'verify': v.boolean}, req.conf)
        cid = v.uuid_id('collection_id', collection_id, 'collection')
        ctype = (req.content_type or '').split(';')[0].strip().lower()
        if ctype != OCTET:
            raise errors.ApiError(415, 'body: send the record file as %s, '
                                  'not %s' % (OCTET, ctype or 'nothing'),
                                  'body')
        limit = req.conf.api.max_upload_bytes
        if (req.content_length or 0) > limit:
            raise errors.ApiError(413, 'body: larger than %d bytes' % limit,
                                  'body')
        with req.db.begin() as s:
            dbapi.get_collection(s, cid, scope)
        buf = req.body
        if not buf:
            raise errors.bad_request('body', 'empty; send a record file')
        name = q.get('name') or 'upload.msr'
        result = ingest.ingest_bytes(req.db, cid, buf, name,
                                     verify=q.get('verify', False))
        self.status(201 if result.blocks_added else 200)
        return result.to_dict()


class CollectionsController(Resource):
    files = FilesController()

    @pecan.expose('json')
    def get_all(self, **kw):
        scope = scope_for('microscope:collection:list')
        q = v.query(kw, {'topology_id': lambda f, x: v.uuid_id(
            f, x, 'topology'), 'start_ns': v.ns, 'end_ns': v.ns},
            pecan.request.conf)
        with pecan.request.db.begin() as s:
            rows = dbapi.list_collections(
                s, scope, q['limit'], q['marker'], q.get('topology_id'),
                q.get('start_ns'), q.get('end_ns'))
        return page('collections', rows, collection_dict, q)

    @pecan.expose('json')
    def get_one(self, collection_id, **kw):
        scope = scope_for('microscope:collection:get')
        v.query(kw, {}, pecan.request.conf)
        cid = v.uuid_id('collection_id', collection_id, 'collection')
        with pecan.request.db.begin() as s:
            row = dbapi.get_collection(s, cid, scope)
            return collection_dict(row, dbapi.block_stats(s, row.id))

    @pecan.expose('json')
    def post(self, **kw):
        scope = scope_for('microscope:collection:create')
        v.query(kw, {}, pecan.request.conf)
        body = v.json_object(pecan.request)
        v.fields(body, ('topology_id', 'name'), ('topology_id', 'name'))
        tid = body['topology_id']
        if not isinstance(tid, str):
            raise errors.bad_request('topology_id', 'expected a string')
        name = v.text('name', body['name'])
        project = pecan.request.context.project_id or ingest.DEFAULT_PROJECT
        with pecan.request.db.begin() as s:
            try:
                tid = v.uuid_id('topology_id', tid, 'topology')
                dbapi.get_topology(s, tid, scope)
            except (errors.ApiError, db_errors.NotFound):
                raise errors.bad_request('topology_id', 'topology %s not '
                                         'found' % str(tid)[:80])
            row = dbapi.create_collection(s, project, tid, name)
            out = collection_dict(row)
        self.status(201)
        pecan.response.location = '%s/%s' % (pecan.request.path_url, row.id)
        return out

    @pecan.expose()
    def delete(self, collection_id=None, **kw):
        self.require_id(collection_id)
        scope = scope_for('microscope:collection:delete')
        v.query(kw, {}, pecan.request.conf)
        no_body()
        cid = v.uuid_id('collection_id', collection_id, 'collection')
        with pecan.request.db.begin() as s:
            dbapi.delete_collection(s, cid, scope)
        self.status(204)
        return ''
