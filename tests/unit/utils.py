# -*- coding: utf-8 -*-
"""Run a module's main() in-process with given arguments and a fake CSM client.

One helper for every unit test of cray.csm modules: module arguments through
ansible.module_utils.testing.patch_module_args (ansible-core 2.19+), or basic._ANSIBLE_ARGS before.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import io
import json
import re

from urllib.error import HTTPError

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

from ansible_collections.cray.csm.plugins.module_utils import session as client_mod
from ansible_collections.cray.csm.tests.unit import spec


@contextlib.contextmanager
def module_args(args):
    """Make `args` the arguments the next AnsibleModule reads."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
        return
    args = dict(args, _ansible_remote_tmp='/tmp', _ansible_keep_remote_files=False)
    old = basic._ANSIBLE_ARGS
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = old


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


def run_module(main, args, monkeypatch):
    """Run main() with args; returns the result dict (with 'failed' True on fail_json, and the
    module's warnings under 'warnings')."""
    warnings = []

    def exit_json(self, **kwargs):
        raise ModuleExit(dict(kwargs, failed=False, warnings=warnings), False)

    def fail_json(self, msg, **kwargs):
        raise ModuleExit(dict(kwargs, msg=msg, failed=True, warnings=warnings), True)

    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, warning: warnings.append(warning))

    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    with module_args(args):
        try:
            main()
        except ModuleExit as e:
            return e.result
    raise AssertionError('the module returned without exit_json or fail_json')


class FakeClient(client_mod.CsmClient):
    """The real CsmClient with the transport replaced by routes: request building, retries, 401
    handling and error mapping run as in production, only the HTTP request itself is answered here.

    Routes are (method, path regex); an answer is a value (sent as a JSON body), a CsmApiError (sent as
    an HTTP error with an RFC 7807 body, which the client maps back), or a callable(body) returning
    either. Every call the code under test makes is appended to `calls` as made (method, path, body,
    query, safe) and checked against the API contract (tests/contract/); every HTTP request sent, one
    per attempt, is appended to `sent`.
    """

    def __init__(self, **client_args):
        client_args.setdefault('token', 'unit-test-token')
        super(FakeClient, self).__init__(sleep=lambda seconds: None, **client_args)
        self.routes = []
        self.calls = []
        self.sent = []

    def on(self, method, path_rx, answer):
        self.routes.append((method, re.compile('^' + path_rx + '$'), answer))
        return self

    def request(self, method, path, body=None, query=None, safe=False, expect=client_mod.JSON_ANSWER):
        """Record and contract-check the call, then the real client handles it."""
        self.calls.append(dict(method=method, path=path, body=copy.deepcopy(body), query=query, safe=safe))
        spec.check_request(method, path, body, query)
        return super(FakeClient, self).request(method, path, body=body, query=query, safe=safe, expect=expect)

    def _send(self, method, url, data, headers):
        """The transport: answer from the routes; an error answer is raised as the HTTPError http_open raises."""
        assert url.startswith(self.api_gateway + '/'), url
        path = url[len(self.api_gateway):].split('?')[0]
        body = json.loads(data) if data is not None and headers.get('Content-Type') == 'application/json' else data
        self.sent.append(dict(method=method, url=url, body=body, headers=dict(headers)))
        answer = client_mod.CsmApiError(method, path, 404, 'Not Found', 'no fake route')
        for m, rx, routed in reversed(self.routes):
            if m == method and rx.match(path):
                answer = routed(body) if callable(routed) and not isinstance(routed, Exception) else routed
                break
        if isinstance(answer, client_mod.CsmApiError):
            problem = answer.body if answer.body is not None else dict(title=answer.title, detail=answer.detail,
                                                                       status=answer.status)
            raise HTTPError(url, answer.status, answer.title, {'Content-Type': 'application/problem+json'},
                            io.BytesIO(to_bytes(json.dumps(problem))))
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            return 204, None, b''
        return 200, 'application/json', to_bytes(json.dumps(answer))

    def methods(self):
        return [(c['method'], c['path']) for c in self.calls]


def api_error(status, detail, method='GET', path='/x', title=None):
    return client_mod.CsmApiError(method, path, status, title or 'Error', detail)
