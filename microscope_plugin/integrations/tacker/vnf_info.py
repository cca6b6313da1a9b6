"""Where a VNF instance runs: its VNFCs and their compute hosts, read from
Tacker's VNF instance (v1 versioned objects with snake_case attributes,
or the v2 dict with SOL camelCase keys)."""

# VNFC metadata keys that may name the compute host (Nova's extended
# attribute, what a VNFD/user puts there); otherwise the server id, which
# an ssh configuration can map to a host.
HOST_KEYS = ('host', 'hostname', 'compute_host', 'OS-EXT-SRV-ATTR:host',
             'hypervisor_hostname')


def _get(obj, *names, default=None):
    for n in names:
        if isinstance(obj, dict):
            if n in obj and obj[n] is not None:
                return obj[n]
        else:
            try:
                v = getattr(obj, n)
            except (AttributeError, NotImplementedError, KeyError):
                continue
            if v is not None:
                return v
    return default


def vnf_id(vnf_instance):
    return _get(vnf_instance, 'id', default='')


def targets(vnf_instance):
    """[{'vnf_instance_id', 'vnfc_id', 'vdu_id', 'host', 'nf'}] of the
    instance's VNFCs (empty when it is not instantiated)."""
    vid = vnf_id(vnf_instance)
    info = _get(vnf_instance, 'instantiated_vnf_info', 'instantiatedVnfInfo')
    if info is None:
        return []
    out = []
    for vnfc in _get(info, 'vnfc_resource_info', 'vnfcResourceInfo',
                     default=[]) or []:
        vnfc_id = _get(vnfc, 'id', default='')
        vdu = _get(vnfc, 'vdu_id', 'vduId', default='')
        res = _get(vnfc, 'compute_resource', 'computeResource', default={})
        meta = _get(vnfc, 'metadata', default={}) or {}
        host = next((meta[k] for k in HOST_KEYS if meta.get(k)), None)
        if host is None:
            host = _get(res, 'resource_id', 'resourceId', default='')
        out.append({'vnf_instance_id': vid, 'vnfc_id': vnfc_id,
                    'vdu_id': vdu, 'host': host,
                    'nf': '%s-%s' % (vdu or 'vnfc', vnfc_id[:8])})
    return out
