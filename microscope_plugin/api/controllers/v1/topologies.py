"""/v1/topologies and /v1/topologies/{id}/nfs."""
import pecan

from microscope_plugin import topology as topo_mod
from microscope_plugin.api import errors
from microscope_plugin.api import validate as v
from microscope_plugin.api.controllers.v1.base import Resource, iso, no_body, page
from microscope_plugin.api.hooks import scope_for
from microscope_plugin.db import api as dbapi

NF_FIELDS = {'name': str, 'type': str, 'vendor': str, 'host': str,
             'peak_rate_pps': float, 'role': str}


def nf_dict(n):
    return {'name': n.name, 'type': n.type, 'vendor': n.vendor,
            'host': n.host, 'peak_rate_pps': n.peak_rate_pps, 'role': n.role,
            'index': n.position}


def topology_dict(row, nfs=None):
    d = {'id': row.id, 'name': row.name, 'project_id': row.project_id,
         'edges': row.edges, 'created_at': iso(row.created_at)}
    if nfs is not None:
        d['nfs'] = [nf_dict(n) for n in nfs]
    return d


def parse_topology(body):
    """A Topology from a request body; 400 naming the field otherwise."""
    v.fields(body, ('name', 'nfs', 'edges'), ('nfs',))
    name = v.text('name', body.get('name', ''), allow_empty=True)
    nfs = body['nfs']
    if not isinstance(nfs, list) or not nfs:
        raise errors.bad_request('nfs', 'expected a non-empty list')
    if len(nfs) > 1000:
        raise errors.bad_request('nfs', 'at most 1000 NFs')
    clean = []
    for i, nf in enumerate(nfs):
        where = 'nfs[%d]' % i
        if not isinstance(nf, dict):
            raise errors.bad_request(where, 'expected an object')
        v.fields(nf, NF_FIELDS, ('name', 'type'), where + '.')
        item = {}
        for key, value in nf.items():
            f = '%s.%s' % (where, key)
            if key == 'peak_rate_pps':
                item[key] = None if value is None else v.number(f, value, 0,
                                                                1e12, True)
                if isinstance(value, str):
                    raise errors.bad_request(f, 'expected a number')
            else:
                item[key] = v.text(f, value, 64 if key in ('type', 'role')
                                   else 255, allow_empty=key in ('vendor',
                                                                 'host'))
        clean.append(item)
    edges = body.get('edges', [])
    if not isinstance(edges, list):
        raise errors.bad_request('edges', 'expected a list of [from, to]')
    for i, e in enumerate(edges):
        if not (isinstance(e, list) and len(e) == 2
                and all(isinstance(x, str) for x in e)):
            raise errors.bad_request('edges[%d]' % i, 'expected [from, to] '
                                     'NF names')
    try:
        return topo_mod.Topology.from_dict({'name': name, 'nfs': clean,
                                            'edges': edges})
    except topo_mod.TopologyError as e:
        msg = str(e)
        raise errors.bad_request(msg.split(':')[0], msg.split(':', 1)[-1]
                                 .strip())


class NFsController(Resource):
    @pecan.expose('json')
    def get_all(self, topology_id, **kw):
        scope = scope_for('microscope:topology:get')
        q = v.query(kw, {'vendor': v.text, 'type': v.text,
                         'role': v.choice(topo_mod.ROLE_NF,
                                          topo_mod.ROLE_SOURCE)},
                    pecan.request.conf)
        tid = v.uuid_id('topology_id', topology_id, 'topology')
        with pecan.request.db.begin() as s:
            dbapi.get_topology(s, tid, scope)
            rows = dbapi.list_nfs(s, tid, q.get('vendor'), q.get('type'),
                                  q.get('role'), q['limit'],
                                  _int_marker(q['marker']))
        return page('nfs', rows, nf_dict, q, key=lambda r: r.position)


def _int_marker(marker):
    return None if marker is None else v.integer('marker', marker, -1)


class TopologiesController(Resource):
    nfs = NFsController()

    @pecan.expose('json')
    def get_all(self, **kw):
        scope = scope_for('microscope:topology:list')
        q = v.query(kw, {'name': v.text}, pecan.request.conf)
        with pecan.request.db.begin() as s:
            rows = dbapi.list_topologies(s, scope, q['limit'], q['marker'],
                                         q.get('name'))
        return page('topologies', rows, topology_dict, q)

    @pecan.expose('json')
    def get_one(self, topology_id, **kw):
        scope = scope_for('microscope:topology:get')
        v.query(kw, {}, pecan.request.conf)
        tid = v.uuid_id('topology_id', topology_id, 'topology')
        with pecan.request.db.begin() as s:
            row = dbapi.get_topology(s, tid, scope)
            return topology_dict(row, dbapi.nfs_of(s, row.id))

    @pecan.expose('json')
    def post(self, **kw):
        scope_for('microscope:topology:create')
        v.query(kw, {}, pecan.request.conf)
        topology = parse_topology(v.json_object(pecan.request))
        project = pecan.request.context.project_id or 'default'
        with pecan.request.db.begin() as s:
            row = dbapi.create_topology(s, project, topology)
            out = topology_dict(row, dbapi.nfs_of(s, row.id))
        self.status(201)
        pecan.response.location = '%s/%s' % (pecan.request.path_url, row.id)
        return out

    @pecan.expose()
    def delete(self, topology_id=None, **kw):
        self.require_id(topology_id)
        scope = scope_for('microscope:topology:delete')
        v.query(kw, {}, pecan.request.conf)
        no_body()
        tid = v.uuid_id('topology_id', topology_id, 'topology')
        with pecan.request.db.begin() as s:
            dbapi.delete_topology(s, tid, scope)
        self.status(204)
        return ''
