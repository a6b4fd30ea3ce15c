# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of every CSM API module: shared options, the client, error mapping, ensure(), ensure_created() and
waits.

Private to cray.csm (its modules and plugins use it); not a public API."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError, CsmError, CsmResponseError, CsmTimeout
from ansible_collections.cray.csm.plugins.module_utils.session import CONNECTION_DEFAULTS, CsmClient


def _option(name, kind, **extra):
    """A connection option: its type, its CONNECTION_DEFAULTS value if it has one, its CSM_ variable."""
    spec = dict(type=kind, fallback=(env_fallback, ['CSM_' + name.upper()]), **extra)
    if name in CONNECTION_DEFAULTS:
        spec['default'] = CONNECTION_DEFAULTS[name]
    return spec


# Documented once in plugins/doc_fragments/connection.py; the defaults are session.py's CONNECTION_DEFAULTS.
CONNECTION_SPEC = dict(
    api_gateway=_option('api_gateway', 'str'),
    token=_option('token', 'str', no_log=True),
    client_id=_option('client_id', 'str'),
    client_secret=_option('client_secret', 'str', no_log=True),
    validate_certs=_option('validate_certs', 'bool'),
    ca_path=_option('ca_path', 'path'),
    timeout=_option('timeout', 'int'),
    retries=_option('retries', 'int'),
)


def wait_spec(timeout=3600, interval=15):
    """The options of a module that waits; documented in plugins/doc_fragments/wait.py."""
    return dict(wait=dict(type='bool', default=False),
                wait_timeout=dict(type='int', default=timeout),
                poll_interval=dict(type='int', default=interval))


class CsmModule(AnsibleModule):
    """AnsibleModule with the CSM connection options and a ready CsmClient.

    Use `with module.api_errors():` around API calls so that any CsmError becomes fail_json with a
    message naming method, path, status, title and detail, and a structured `failure` result.
    """

    # Set by the in-process action (plugins/plugin_utils/in_process.py) to show progress lines
    # while the task runs; a module process has no way to print before it ends.
    progress_hook = None

    def __init__(self, argument_spec, uses_token=True, **kwargs):
        spec = dict(CONNECTION_SPEC)
        if not uses_token:  # cray.csm.token fetches the token: it takes none (doc fragment connection.token)
            del spec['token']
        spec.update(argument_spec)
        self.written = None  # set by wrote(): this run changed CSM
        super(CsmModule, self).__init__(argument_spec=spec, **kwargs)
        with self.api_errors():  # an unusable option (a gateway without a scheme) fails here, before any request
            self.client = CsmClient.from_params(self.params)

    def report_progress(self, message):
        """Show a progress line now where the task runs in process; otherwise nothing."""
        if self.progress_hook is not None:
            self.progress_hook(message)

    def wrote(self, **objects):
        """Record a write of this run: any later failure reports changed=true and these objects."""
        self.written = dict(self.written or {}, **objects)

    def fail_json(self, msg, **kwargs):
        """fail_json that says changed=true, with the object written, when this run wrote before failing."""
        if self.written is not None:
            kwargs['changed'] = True
            for key, value in self.written.items():
                if kwargs.get(key) is None:
                    kwargs[key] = value
        super(CsmModule, self).fail_json(msg=msg, **kwargs)

    @contextmanager
    def api_errors(self):
        try:
            yield
        except CsmError as e:
            if isinstance(e, CsmResponseError) and e.method not in ('GET', 'HEAD'):
                self.wrote()  # the service answered 2xx to the write: it acted, whatever its body
            self.fail_json(msg=str(e), failure=e.to_dict())

    def ensure(self, path, desired, state='present', read_only=(), compare=None, query=None):
        """Make the object at `path` match `desired`, the fields the user set.

        Fetches the current object (None when 404). present: when `compare(desired, current)` is
        false (default: desired is a subset of current), writes it with PUT of the current writable
        fields overlaid with desired. absent:
        DELETE when it exists. `query` goes with the PUT (for example CFS's drop_branches).
        In check mode nothing is written and the answer is predicted. Returns (changed, before, after).
        """
        compare = compare or is_subset
        before = self.client.get(path, missing_ok=True, expect=dict)
        if state == 'absent':
            if before is None:
                return False, None, None
            if not self.check_mode:
                self.client.delete(path, missing_ok=True)
                self.wrote()
            return True, before, None
        if before is not None and compare(desired, before):
            return False, before, before
        body = without(before or {}, read_only)
        body.update(desired)
        if self.check_mode:
            after = dict(before or {})
            after.update(body)
        else:
            after = self.client.put(path, body, query=query, expect=dict)
            self.wrote()
        return True, before, after

    def ensure_created(self, key, found, create, predicted, path=None, refuse=None):
        """Make sure an object that is created once (a session, a node registration) exists: (before, after).

        found is the object as read (None: missing); before is found, None when this run creates it.
        Missing, create() makes it and its answer is after, recorded as written under `key`; in check mode
        nothing is written and after is `predicted`. A 409 from create() means it was created meanwhile: it
        is read again at `path` and taken as found. A found object goes to refuse(found), a message when it
        is not what was asked for: the task fails with it, the object under `key`.
        """
        if found is None and self.check_mode:
            return None, predicted
        if found is None:
            try:
                after = create()
            except CsmApiError as e:
                if e.status != 409 or path is None:
                    raise
                found = self.client.get(path, expect=dict)
            else:
                self.wrote(**{key: after})
                return None, after
        message = refuse(found) if refuse is not None else None
        if message:
            self.fail_json(msg=message, **{key: found})
        return found, found

    def waiter(self, what, fetch, done, describe, timed_out, in_check_mode=False):
        """A Waiter for `what`, or one that returns None at once when there is nothing to wait for: the
        task has wait=false, or runs in check mode and in_check_mode is false (the object may be only
        predicted; a poll of an existing one only reads)."""
        if not self.params['wait'] or (self.check_mode and not in_check_mode):
            return _NoWaiter()
        return _Waiter(self, what, fetch, done, describe, timed_out)

    def exit_with(self, *, changed, before, after, key, **extra):
        """exit_json with the object under `key` and, in diff mode, before/after."""
        result = dict(changed=changed, **extra)
        result[key] = after
        if self._diff:
            result['diff'] = dict(before=before or {}, after=after or {})
        self.exit_json(**result)


def is_subset(desired, current):
    """True when every field of desired equals current's, recursing into dicts and lists."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(
            k in current and is_subset(v, current[k]) for k, v in desired.items())
    if isinstance(desired, list):
        return (isinstance(current, list) and len(desired) == len(current)
                and all(is_subset(d, c) for d, c in zip(desired, current)))
    return desired == current


def without(obj, keys):
    """A deep copy of obj without the given top-level keys (read-only fields the API rejects)."""
    return dict((k, copy.deepcopy(v)) for k, v in obj.items() if k not in keys)


def drop_none(obj):
    """obj without keys whose value is None: options the user did not set are not sent."""
    return dict((k, v) for k, v in obj.items() if v is not None)


class _Waiter(object):
    """Polls fetch() with the task's wait_timeout and poll_interval until done(state), showing describe(state)
    as progress lines; a timeout fails the task with timed_out(CsmTimeout), a dict of fail_json arguments."""

    def __init__(self, module, what, fetch, done, describe, timed_out):
        self.module, self.what, self.fetch, self.done = module, what, fetch, done
        self.describe, self.timed_out = describe, timed_out

    def wait(self):
        p = self.module.params
        try:
            return wait_for(self.fetch, self.done, p['wait_timeout'], p['poll_interval'], self.what,
                            describe=self.describe, report=self.module.report_progress)
        except CsmTimeout as e:
            self.module.fail_json(**self.timed_out(e))


class _NoWaiter(object):
    """The waiter of a task that does not wait (kubernetes.core's DummyWaiter does the same in check mode)."""

    def wait(self):
        return None


# A wait whose state does not change says so again after this many seconds.
PROGRESS_HEARTBEAT = 300


def wait_for(fetch, done, timeout, interval, what, sleep=time.sleep, clock=time.time, describe=None,
             report=None):
    """Call fetch() every `interval` seconds until done(state); raise CsmTimeout after `timeout`.

    With `describe` (state -> short text) and `report` (text -> None), every change of the text is
    reported, and the same text again after PROGRESS_HEARTBEAT seconds without a change.
    """
    deadline = clock() + timeout
    last, last_at = None, None
    while True:
        state = fetch()
        if describe is not None and report is not None:
            text = describe(state)
            if text != last or clock() - last_at >= PROGRESS_HEARTBEAT:
                report(text if text != last else 'still ' + text)
                last, last_at = text, clock()
        if done(state):
            return state
        remaining = deadline - clock()
        if remaining <= 0:
            raise CsmTimeout('Timed out after %ss waiting for %s.' % (timeout, what), last=state)
        sleep(min(interval, remaining))
