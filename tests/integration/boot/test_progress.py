"""Progress lines of long waits: one line per state change, printed while the task runs in process."""
import re

from test_bos import boot, template
from test_cfs_session import CONFIG, session

# Progress lines come from the in-process path: on, whatever CRAY_CSM_IN_PROCESS says (integration_module).
IN_PROCESS = {'cray_csm_in_process': True}
LINE = re.compile(r'^cray\.csm\.(\w+) \[localhost\] (.*) \((\d+)s\)$', re.M)


def progress(play, module):
    return [match[1] for match in LINE.findall(play.output) if match[0] == module]


def assert_one_line_per_change(lines, first, last):
    assert lines, 'no progress line'
    assert all(a != b for a, b in zip(lines, lines[1:])), lines  # nothing repeated: one line per change
    assert lines[0].startswith(first) and lines[-1].startswith(last), lines


def test_cfs_session_wait_shows_each_state(csm_play):
    csm_play.sim.config(cfs_session_seconds=4)
    play = csm_play([CONFIG, session()], extra_vars=IN_PROCESS)
    assert play['s'].get('failed') is not True, play
    lines = progress(play, 'cfs_session')
    assert_one_line_per_change(lines, 'CFS session pending', 'CFS session complete')
    assert any(line.startswith('CFS session running') for line in lines), lines
    # the IMS job of the image customization and its status, once CFS names it
    assert re.search(r', IMS job [0-9a-f-]{36} \S', lines[-1]), lines


def test_bos_session_wait_shows_each_phase(csm_play):
    csm_play.sim.config(bos_session_seconds=4)
    play = csm_play([template(), boot()], extra_vars=IN_PROCESS)
    assert play['b'].get('failed') is not True, play
    lines = progress(play, 'bos_session')
    assert_one_line_per_change(lines, 'BOS session pending', 'BOS session complete: 100.0% complete')
    assert any(line.startswith('BOS session running') for line in lines), lines


def test_module_process_shows_no_progress_and_says_why(csm_play):
    csm_play.sim.config(cfs_session_seconds=2)
    play = csm_play([CONFIG, session()], extra_vars={'cray_csm_in_process': False})
    assert play['s'].get('failed') is not True and play['s']['changed'] is True, play
    assert progress(play, 'cfs_session') == []
