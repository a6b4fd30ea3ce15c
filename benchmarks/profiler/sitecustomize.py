"""Loaded by every Python started with this folder on PYTHONPATH (benchmarks/profile.py sets it for one
ansible-playbook run): with CRAY_CSM_PROFILE_DIR set, ansible-playbook and each of its workers write a
cProfile of their CPU time (process-time clock) to that folder, a worker's named after its task and host."""
import os
import sys

OUT = os.environ.get('CRAY_CSM_PROFILE_DIR')
if OUT and os.path.basename(sys.argv[0] if sys.argv else '') == 'ansible-playbook':
    import atexit
    import cProfile
    import time

    from ansible.executor.process import worker

    _run = worker.WorkerProcess._run

    def _profiled_run(self):
        prof = cProfile.Profile(time.process_time)
        prof.enable()
        try:
            return _run(self)
        finally:
            prof.disable()
            task = self._task.get_name().replace(os.sep, '_')
            prof.dump_stats(os.path.join(OUT, 'worker--%s--%s--%d.prof' % (task, self._host.name, os.getpid())))

    worker.WorkerProcess._run = _profiled_run
    _main = cProfile.Profile(time.process_time)
    _main.enable()

    @atexit.register
    def _dump_main():
        _main.disable()
        _main.dump_stats(os.path.join(OUT, 'main--%d.prof' % os.getpid()))
