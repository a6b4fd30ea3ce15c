"""CFS alone can make a builder: the layer, registration on, takes a fresh booted node to IMS
`ableToRunJobs` with no management-node playbook run.

As CFS runs it: a plain `git clone` of HEAD, the AEE's ansible.cfg, no cray.csm installed (the layer
finds the API modules it calls through the links in playbooks/collections/, tests/tools/layer_collection.py),
the admin client secret read from Secret default/admin-client-auth through the Kubernetes client
(KUBECONFIG to the simulator's stand-in API, as in-cluster config would be), the CSM API through the
gateway address (csm_api_gateway). The node is a booted test-bed node with podman from its image and
without the IMS key (what the image half of the layer leaves when it does not authorize the key).
On the core of CSM_CFS_ANSIBLE_BIN (tests/run: cfs_layer@2.11, the AEE replica, and cfs_layer@2.19).
"""
import os

import pytest

from test_cfs_layer import BIN, cfs_env, layer, sh  # noqa: F401  pylint: disable=unused-import
from testbed.nodes import Nodes

NODE, XNAME, SCOPE = "csm-register-cfs-node", "x3000c0s17b3n0", "csm-register-cfs"
IMS = "/apis/ims/v3/remote-build-nodes"


@pytest.fixture(scope="module")
def node():
    if os.geteuid() != 0 or not sh("which", "podman")[0] == 0:
        pytest.skip("needs root and podman (tests/testbed/podman_setup.sh)")
    nodes = Nodes(scope=SCOPE)
    nodes.down_all()
    port = nodes.up(NODE, XNAME)
    yield nodes, port
    nodes.down_all()


def inventory(tmp, port, key):
    """CFS's inventory for a booted node: its xname as the host name, in Compute, not in cfs_image."""
    path = os.path.join(tmp, "hosts")
    with open(path, "w") as f:
        f.write("[Compute]\n%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root "
                "ansible_ssh_private_key_file=%s\n" % (XNAME, port, key))
    return path


def run_layer(env, layer_dir, inv, sim, *extra):
    return sh(os.path.join(BIN, "ansible-playbook"), "-i", inv, "playbooks/ims_computes.yml",
              "-e", "ims_computes_hosts=Compute", "-e", "ims_computes_register=true",
              "-e", "ims_register_lock=true", "-e", "csm_api_gateway=%s" % sim.url, *extra,
              env=env, cwd=layer_dir)


def test_layer_registers_a_fresh_node(node, layer, csm_sim, tmp_path):  # noqa: F811
    nodes, port = node
    csm_sim.set_nodes(nodes.node_map())
    env = cfs_env(str(tmp_path), csm_sim.kubeconfig)
    inv = inventory(str(tmp_path), port, nodes.key)
    # Fresh: not registered, not locked, IMS cannot log in (no key yet).
    assert XNAME not in [n["xname"] for n in csm_sim.api("GET", IMS)]
    assert csm_sim.api("GET", "/apis/smd/hsm/v2/State/Components/" + XNAME).get("Locked") is not True

    # Check mode changes nothing: no registration, no lock.
    rc, out = run_layer(env, layer, inv, csm_sim, "--check")
    assert rc == 0, out[-4000:]
    assert XNAME not in [n["xname"] for n in csm_sim.api("GET", IMS)]
    assert csm_sim.api("GET", "/apis/smd/hsm/v2/State/Components/" + XNAME).get("Locked") is not True

    rc, out = run_layer(env, layer, inv, csm_sim)
    print(out)
    assert rc == 0, out[-4000:]
    recap = out.split("PLAY RECAP")[-1]
    assert "failed=0" in recap, recap
    # The modules ran from the clone's playbooks/collections (cray.csm is installed nowhere).
    assert "Register the node with IMS" in out

    status = csm_sim.api("GET", IMS + "/status/" + XNAME)
    assert status["ableToRunJobs"] is True and status["nodeArch"] == "x86_64", status
    locks = csm_sim.api("POST", "/apis/smd/hsm/v2/locks/status", {"ComponentIDs": [XNAME]})
    assert [c["Locked"] for c in locks["Components"]] == [True], locks

    # The re-run (every boot): registered and locked already, so GETs only (and one token request).
    csm_sim.clear_log()
    rc, loud = run_layer(env, layer, inv, csm_sim, "-vvvv")
    assert rc == 0, loud[-4000:]
    recap = loud.split("PLAY RECAP")[-1]
    assert "changed=0" in recap and "failed=0" in recap, recap
    sent = [(e["method"], e["path"]) for e in csm_sim.log()]
    api = [s for s in sent if not s[1].startswith("/keycloak/") and not s[1].startswith("/api/v1/")]
    assert api and all(m == "GET" for m, _p in api), sent
    assert ("GET", IMS + "/" + XNAME) in api, sent
    assert csm_sim.client_secret not in loud
    # Every token of the simulator starts with the same JWT header: none is printed.
    assert csm_sim.token().split(".")[0] not in loud and "access_token" not in loud


def test_unreadable_secret_names_the_fix(node, layer, csm_sim, tmp_path):  # noqa: F811
    """No Kubernetes access: the layer stops before any API call, naming the Secret and the service account."""
    nodes, port = node
    env = cfs_env(str(tmp_path), os.path.join(str(tmp_path), "no-such-kubeconfig"))
    csm_sim.clear_log()
    rc, out = run_layer(env, layer, inventory(str(tmp_path), port, nodes.key), csm_sim)
    assert rc != 0, out[-4000:]
    assert "Secret default/admin-client-auth" in out and "cray-cfs" in out, out[-4000:]
    assert [e for e in csm_sim.log() if e["path"].startswith("/apis/")] == []
