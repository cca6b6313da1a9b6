"""Building blocks of the OpenAPI document: primitive schemas, schema
references and objects, paged listings, query and path parameters, and
operations with their responses and request bodies."""
INT64 = {'type': 'integer', 'format': 'int64'}
NS = {'type': 'integer', 'format': 'int64', 'minimum': 0}
NS_NULL = dict(NS, nullable=True)
STR = {'type': 'string'}
FILTER = {'type': 'string', 'minLength': 1, 'maxLength': 255}
STR_NULL = {'type': 'string', 'nullable': True}
NUM = {'type': 'number'}
UUID = {'type': 'string', 'format': 'uuid'}
OBJ = {'type': 'object', 'additionalProperties': True}
TIME = {'type': 'string', 'format': 'date-time', 'nullable': True}


def ref(name):
    return {'$ref': '#/components/schemas/%s' % name}


def obj(props, required=(), extra=True):
    d = {'type': 'object', 'properties': props, 'additionalProperties': extra}
    if required:
        d['required'] = list(required)
    return d


def listing(key, item):
    return obj({key: {'type': 'array', 'items': ref(item)},
                'next': {'type': 'string', 'nullable': True}},
               (key, 'next'))


def qp(name, schema, description):
    return {'name': name, 'in': 'query', 'required': False,
            'schema': schema, 'description': description}


def pp(name, schema=UUID):
    return {'name': name, 'in': 'path', 'required': True, 'schema': schema}


PAGING = [qp('limit', {'type': 'integer', 'minimum': 1, 'maximum': 1000},
             'Page size.'),
          qp('marker', dict(STR, maxLength=64),
             'Id of the last item of the previous page.')]
TIME_Q = [qp('start_ns', NS, 'Only what ends at or after this time (ns).'),
          qp('end_ns', NS, 'Only what starts before this time (ns).')]
ERRORS = ('400', '401', '403', '404')


def op(summary, ok, schema=None, params=(), body=None, errs=ERRORS,
       tag=None, ctype='application/json'):
    d = {'summary': summary, 'parameters': list(params), 'responses': {}}
    if tag:
        d['tags'] = [tag]
    if schema is None:
        d['responses'][ok] = {'description': summary}
    else:
        d['responses'][ok] = {'description': summary, 'content': {
            'application/json': {'schema': schema}}}
    for code in errs:
        d['responses'][code] = {'description': 'Error', 'content': {
            'application/json': {'schema': ref('Error')}}}
    if body is not None:
        if ctype == 'application/json':
            body = {'required': True, 'content': {ctype: {'schema': body}}}
        else:
            body = {'required': True, 'content': {ctype: {'schema': {
                'type': 'string', 'format': 'binary'}}}}
        d['requestBody'] = body
    return d


def html_op(summary, params=(), tag=None):
    d = op(summary, '200', params=params, tag=tag)
    d['responses']['200']['content'] = {'text/html': {'schema': STR}}
    return d
