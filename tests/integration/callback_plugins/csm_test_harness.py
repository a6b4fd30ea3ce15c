# -*- coding: utf-8 -*-
"""The integration harness's callback (tests/integration/conftest.py), enabled only by it.

It reads the simulator's request log here, in ansible-playbook, at the start of each test task and of the
last task, instead of a set_fact with a URL lookup in a worker after each task; and it writes the results
that the last task (set_stats) hands over, instead of a copy module process. It prints nothing.

Environment (set by the harness): CSM_TEST_SIM_LOG the log's URL, CSM_TEST_SIM_CA a CA file or empty,
CSM_TEST_MARKS the `register` names of the test tasks in order then the last task's, CSM_TEST_RESULTS the
file to write: {"results": [...], "logs": [at the start of task 0, ..., at the start of the last task]}.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import ssl
from urllib.request import urlopen

from ansible.plugins.callback import CallbackBase

RESULTS_STAT = 'csm_test_results'


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'csm_test_harness'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._url = os.environ['CSM_TEST_SIM_LOG']
        ca = os.environ.get('CSM_TEST_SIM_CA')
        self._context = ssl.create_default_context(cafile=ca) if ca else None
        self._marks = os.environ['CSM_TEST_MARKS'].split(',')
        self._logs = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        # The test tasks in order; a task of an included file or role is not one (its register differs).
        if len(self._logs) < len(self._marks) and str(task.register) == self._marks[len(self._logs)]:
            with urlopen(self._url, context=self._context, timeout=60) as resp:
                self._logs.append(json.loads(resp.read().decode('utf-8')))

    def v2_playbook_on_stats(self, stats):
        results = (stats.custom.get('_run') or {}).get(RESULTS_STAT)
        if results is None or len(self._logs) != len(self._marks):
            return  # the play ended early: no results file, the harness says so
        with open(os.environ['CSM_TEST_RESULTS'], 'w') as f:
            json.dump({'results': json.loads(results), 'logs': self._logs}, f)
