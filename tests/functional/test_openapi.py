"""The OpenAPI document: current in docs/, served by the API, and every
path in it routed by the controllers."""
import json
import os
import re

from microscope_plugin.api import openapi

DOC = os.path.join(os.path.dirname(__file__), '..', '..', 'docs',
                   'openapi.json')


def test_docs_copy_is_current():
    with open(DOC) as fh:
        assert json.load(fh) == json.loads(openapi.dumps()), \
            'regenerate: python -m microscope_plugin.api.openapi > ' \
            'docs/openapi.json'


def test_served_document_is_the_same(api):
    client, _ = api
    st, body = client.get('/v1/openapi.json')
    assert st == 200 and body == openapi.spec()
    assert client.get('/openapi.json')[1] == body


def test_every_documented_operation_is_routed(api):
    """Each (path, method) reaches a controller: the answer is not the
    router's 404/405 (a controller's 404 names the missing resource)."""
    client, _ = api
    ids = {'topology_id': '00000000-0000-4000-8000-000000000000',
           'collection_id': '00000000-0000-4000-8000-000000000001',
           'diagnosis_id': '00000000-0000-4000-8000-000000000002',
           'victim_id': '7'}
    for path, ops in openapi.spec()['paths'].items():
        url = re.sub(r'\{(\w+)\}', lambda m: ids[m.group(1)], path)
        for method in ops:
            st, body = client(method.upper(), url, json={} if method == 'post'
                              else None)
            assert st != 405, (method, path, body)
            if st == 404:
                assert 'not found' in body['error']['message'] and \
                    body['error'].get('field'), (method, path, body)


def test_undocumented_routes_are_not_served(api):
    client, _ = api
    for path in ('/v1/victims', '/v1/diagnoses/x/y/z', '/v1/collections/a/b'):
        assert client.get(path)[0] == 404
