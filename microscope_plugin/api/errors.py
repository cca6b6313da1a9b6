"""API errors: every client mistake is a 4xx whose JSON body names the
field; see :func:`error_body`."""


class ApiError(Exception):
    def __init__(self, status, message, field=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def bad_request(field, message):
    return ApiError(400, '%s: %s' % (field, message) if field else message,
                    field)


def error_body(status, message, field=None):
    title = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
             404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
             413: 'Request Entity Too Large', 415: 'Unsupported Media Type',
             500: 'Internal Server Error', 503: 'Service Unavailable'}
    err = {'code': status, 'title': title.get(status, 'Error'),
           'message': message}
    if field is not None:
        err['field'] = field
    return {'error': err}
