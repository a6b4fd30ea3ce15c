# Shared pytest configuration for the collection's tests.
# The CSM simulator fixtures (csm_sim, csm_sim_tls) are imported here rather than listed in
# pytest_plugins, so they work whatever rootdir pytest picks.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simulator.pytest_plugin import (  # noqa: E402,F401
    _csm_sim_process, _csm_sim_tls_process, csm_sim, csm_sim_tls)
