"""The test bed as a library, for the demo, the benchmarks and the tests (tests/testbed/README.md).

Standard library only, Python 3.6+, importable by path before any venv exists: put the checkout's tests/
first on sys.path (tests/conftest.py does it for pytest), then

    from testbed.nodes import Nodes, free_port     # container nodes, inventories, free ports
    from testbed.ansible_env import ansible_env     # the environment of an Ansible run
    from testbed.sim import CsmSim                  # start/stop/attach the simulator, its control routes
    from testbed.ceph_lock import ceph_exclusive    # the test bed's Ceph for one user at a time

Shell scripts use the same through `PYTHONPATH=tests python -m testbed COMMAND` (__main__.py).
"""
