"""A thin client of the /v1 REST API on a keystoneauth session."""
from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
from osc_lib import exceptions


class Client:
    def __init__(self, session, endpoint):
        if not endpoint:
            raise exceptions.CommandError(
                'no Microscope endpoint: the catalog has no "microscope" '
                'service; give --os-endpoint URL (with --os-auth-type none)')
        self.endpoint = endpoint.rstrip('/')
        self.http = adapter.Adapter(session, endpoint_override=self.endpoint,
                                    service_type='microscope')

    def request(self, method, path, json=None, params=None, raw=False):
        """The JSON answer (``raw``: the text, e.g. an HTML report), or
        CommandError with the server's message."""
        try:
            resp = self.http.request(path, method, json=json,
                                     params=params or None, raise_exc=False)
        except ks_exc.ConnectFailure as e:
            raise exceptions.CommandError('cannot reach the Microscope API '
                                          'at %s: %s' % (self.endpoint, e))
        try:
            body = resp.json() if resp.content else None
        except ValueError:
            body = None
        if raw and resp.status_code < 400:
            return resp.text
        if resp.status_code >= 400:
            err = (body or {}).get('error', {}) if isinstance(body, dict) \
                else {}
            msg = err.get('message') or resp.text[:300] or resp.reason
            if resp.status_code == 404 and path.rstrip('/') == '/v1/reports':
                msg = ('the Microscope API at %s offers no /v1/reports '
                       '(an older server?): %s' % (self.endpoint, msg))
            raise exceptions.CommandError('%s %s: %d %s' % (
                method, path, resp.status_code, msg))
        return body

    def get(self, path, **params):
        return self.request('GET', path, params={
            k: v for k, v in params.items() if v is not None})

    def post(self, path, body, raw=False):
        return self.request('POST', path, json=body, raw=raw)
