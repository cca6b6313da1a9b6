"""The alarm sink interface and the HTTP POST every webhook sink uses."""
import abc
import json
import urllib.error
import urllib.request


class SinkError(Exception):
    """A message was not delivered; ``retry`` says whether trying again
    may help (receiver down, 5xx, 429) or not (4xx: the receiver refuses
    the message itself)."""

    def __init__(self, message, status=None, retry=True):
        super().__init__(message)
        self.status, self.retry = status, retry


class AlarmSink(abc.ABC):
    name = None

    def __init__(self, conf):
        self.conf = conf

    @abc.abstractmethod
    def messages(self, event):
        """[(target, payload)] for ``event``: {'diagnosis': {...},
        'alarms': [alarm dicts], 'hints': [hint alarm dicts]}."""

    @abc.abstractmethod
    def send(self, target, payload):
        """Deliver one message; return the receiver's status (or None)
        or raise :class:`SinkError`."""

    def close(self):
        """Release what the sink holds open (connections); the service
        calls it when it stops delivering."""


def post_json(url, body, timeout, headers=None):
    """POST ``body`` as JSON; the HTTP status, or SinkError."""
    data = json.dumps(body, default=str).encode()
    req = urllib.request.Request(url, data=data, method='POST', headers=dict(
        {'Content-Type': 'application/json',
         'User-Agent': 'microscope-alarm-sink'}, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        retry = e.code >= 500 or e.code in (408, 429)
        raise SinkError('%s answered %d %s' % (url, e.code, e.reason),
                        e.code, retry)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, 'reason', e)
        raise SinkError('%s unreachable: %s' % (url, reason))


class HttpSink(AlarmSink):
    """A sink posting JSON to a configured URL."""

    url_option = None

    def url(self):
        url = getattr(self.conf.alarms, self.url_option)
        if not url:
            raise SinkError('[alarms] %s is not set' % self.url_option,
                            retry=False)
        return url.rstrip('/')

    def send(self, target, payload):
        return post_json(target, payload, self.conf.alarms.timeout_s,
                         self.headers(payload))

    def headers(self, payload):
        return {}
