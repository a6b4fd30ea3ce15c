# -*- coding: utf-8 -*-
"""Run a module's main() in-process with given arguments and a fake CSM client.

One helper for every unit test of cray.csm modules: module arguments through
ansible.module_utils.testing.patch_module_args (ansible-core 2.19+), or basic._ANSIBLE_ARGS before.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import json
import re

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    patch_module_args = None

from ansible_collections.cray.csm.plugins.module_utils import client as client_mod
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


class FakeClient(object):
    """Answers (method, path regex) routes; an answer is a value, a CsmApiError to raise, or a
    callable(body) returning either. Every call is appended to `calls` and checked against the API contract (tests/contract/)."""

    def __init__(self):
        self.routes = []
        self.calls = []

    def on(self, method, path_rx, answer):
        self.routes.append((method, re.compile('^' + path_rx + '$'), answer))
        return self

    def request(self, method, path, body=None, query=None, safe=False):
        self.calls.append(dict(method=method, path=path, body=copy.deepcopy(body), query=query, safe=safe))
        spec.check_request(method, path, body, query)
        for m, rx, answer in reversed(self.routes):
            if m == method and rx.match(path):
                if callable(answer) and not isinstance(answer, Exception):
                    answer = answer(body)
                if isinstance(answer, Exception):
                    raise answer
                return copy.deepcopy(answer)
        raise client_mod.CsmApiError(method, path, 404, 'Not Found', 'no fake route')

    def get(self, path, query=None, missing_ok=False, expect=None):
        # expect (the answer's shape) is CsmClient's to check: see test_client_logic.py
        try:
            return self.request('GET', path, query=query)
        except client_mod.CsmApiError as e:
            if missing_ok and e.not_found:
                return None
            raise

    def post(self, path, body=None, safe=False, expect=None):
        return self.request('POST', path, body=body, safe=safe)

    def put(self, path, body, query=None, expect=None):
        return self.request('PUT', path, body=body, query=query)

    def delete(self, path, missing_ok=False):
        try:
            self.request('DELETE', path)
        except client_mod.CsmApiError as e:
            if missing_ok and e.not_found:
                return False
            raise
        return True

    def methods(self):
        return [(c['method'], c['path']) for c in self.calls]


def api_error(status, detail, method='GET', path='/x', title=None):
    return client_mod.CsmApiError(method, path, status, title or 'Error', detail)
