"""Crash points on the node side (tests/crash/sweep.py): record or kill after a task that changed a node.

CRASH_RECORD=FILE   append one JSON line per changed node-side result: {"task", "host", "item", "index"}
                    (index: the item's place in the task's loop on that host, from 1)
CRASH_KILL=JSON     {"task", "item" or "index", "host"?, "signal"?}: after the first changed result that matches,
                    send the signal (9) to this ansible-playbook's whole process group, as a dropped
                    session or a rebooted management node ends the run, workers and SSH clients with it.
A node-side result is one of a task not delegated, or a delegated command: `rbd create` and `rbd feature
disable` run on the management node (the Ceph side of a node's cache). Other delegated tasks are the
collection's API modules, whose points are the requests' (the simulator's /_sim/crash).
"""
import json
import os
import signal

from ansible.plugins.callback import CallbackBase

COMMANDS = ('command', 'shell', 'ansible.builtin.command', 'ansible.builtin.shell')

DOCUMENTATION = '''
name: crash_point
type: aggregate
short_description: record or kill ansible-playbook after a changed node-side task (tests/crash)
description: Test harness only (tests/crash/sweep.py); see the module docstring.
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'crash_point'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.record = os.environ.get('CRASH_RECORD')
        self.kill = json.loads(os.environ['CRASH_KILL']) if os.environ.get('CRASH_KILL') else None
        self.items = {}  # (task uuid, host) -> items seen: names the items whose label no_log hides

    def _event(self, result, item, index=None):
        task = result._task
        if not result._result.get('changed') or (task.delegate_to and task.action not in COMMANDS):
            return
        event = {'task': task.get_name(), 'host': result._host.get_name(), 'item': item, 'index': index}
        if self.record:
            with open(self.record, 'a') as f:
                f.write(json.dumps(event) + '\n')
        k = self.kill
        which = 'index' if 'index' in (k or {}) else 'item'
        if k and (k['task'], k.get(which)) == (event['task'], event[which]) and k.get('host') in (None, event['host']):
            os.killpg(os.getpgrp(), int(k.get('signal', signal.SIGKILL)))

    def v2_runner_on_ok(self, result):
        if 'results' not in result._result:  # a loop's items were each an event already
            self._event(result, None)

    def v2_runner_item_on_ok(self, result):
        res = result._result
        key = (result._task._uuid, result._host.get_name())
        self.items[key] = self.items.get(key, 0) + 1
        item = res.get('_ansible_item_label', res.get('item'))
        if item is None:
            item = '#%d' % self.items[key]
        self._event(result, item if isinstance(item, str) else json.dumps(item, sort_keys=True), self.items[key])
