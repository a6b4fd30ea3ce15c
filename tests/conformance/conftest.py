import pytest

from spec_check import ApiClient


@pytest.fixture
def api(csm_sim):
    return ApiClient(csm_sim)
