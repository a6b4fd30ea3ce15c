"""pytest fixtures `csm_sim` and `csm_sim_tls`: one simulator process per session, reset per test."""
import pytest

from testbed.sim import CsmSim


@pytest.fixture(scope='session')
def _csm_sim_process():
    sim = CsmSim()
    yield sim
    sim.stop()


@pytest.fixture(scope='session')
def _csm_sim_tls_process():
    sim = CsmSim(tls=True)
    yield sim
    sim.stop()


@pytest.fixture
def csm_sim(_csm_sim_process):
    _csm_sim_process.reset()
    return _csm_sim_process


@pytest.fixture
def csm_sim_tls(_csm_sim_tls_process):
    _csm_sim_tls_process.reset()
    return _csm_sim_tls_process
