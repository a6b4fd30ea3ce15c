"""The IMS key in the converged node, a real SSH login with it, and bad keys refused.

The IMS key pair comes from the CSM simulator's ConfigMap services/cray-ims-remote-keys (the
simulator, started by prepare.yml, makes a fresh pair at each start). The bad-key cases run the
role again (ansible-playbook against molecule's inventory) and check the failure message and that
authorized_keys did not change.
"""
import json
import os
import subprocess
import sys
import urllib.request

import pytest
import yaml
from bad_key_cases import bad_keys, playbook_cases

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.dirname(HERE)
COLLECTIONS = os.path.abspath(os.path.join(SCENARIO, "..", "..", "..", "..", ".."))
EPH = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
SSH_PORT = 22261
AUTH = "/root/.ssh/authorized_keys"


KUBECONFIG = os.path.join(EPH, "kubeconfig")


def _configmap():
    """data of services/cray-ims-remote-keys, read from the simulator named in the kubeconfig."""
    with open(KUBECONFIG) as f:
        server = yaml.safe_load(f)["clusters"][0]["cluster"]["server"]
    url = server + "/api/v1/namespaces/services/configmaps/cray-ims-remote-keys"
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)["data"]


_CM = _configmap()
PUB = _CM["public_key"].strip()
PRIV = _CM["private_key"]  # never printed: only compared line by line against output


def run_role(tmp_path, extra_vars, verbosity=0, playbook="role_play.yml"):
    """Run a playbook of this folder (default: the role once); returns (rc, combined output)."""
    ev = tmp_path / "extra.json"
    ev.write_text(json.dumps(extra_vars))
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", INVENTORY,
           os.path.join(HERE, playbook), "-e", "@%s" % ev]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                       timeout=300, check=False)
    return p.returncode, p.stdout


@pytest.fixture(scope="module")
def kubeconfig():
    """The simulator's kubeconfig (written by prepare.yml)."""
    assert os.path.exists(KUBECONFIG), "no kubeconfig: did prepare.yml start the CSM simulator?"
    return KUBECONFIG


@pytest.fixture(scope="module")
def ims_private_key_file(tmp_path_factory):
    """The ConfigMap's private key in a mode-600 file, for ssh -i."""
    path = tmp_path_factory.mktemp("ims") / "ims_key"
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(PRIV if PRIV.endswith("\n") else PRIV + "\n")
    return str(path)


def test_key_in_root_authorized_keys_with_safe_modes(host):
    ssh_dir = host.file("/root/.ssh")
    assert ssh_dir.is_directory and ssh_dir.user == "root" and ssh_dir.mode == 0o700
    auth = host.file(AUTH)
    assert auth.user == "root" and auth.mode == 0o600
    assert tuple(PUB.split()[:2]) in key_lines(host)
    assert "PRIVATE KEY" not in auth.content_string


def test_real_ssh_login_with_the_ims_key(ims_private_key_file):
    # What IMS does: root login with its private key, host key not checked, then `uname -i`.
    p = subprocess.run(["ssh", "-i", ims_private_key_file, "-p", str(SSH_PORT), "-o", "BatchMode=yes",
                        "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
                        "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10",
                        "root@127.0.0.1", "echo", "logged-in-as", "$(id -un)"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "logged-in-as root"


def test_another_key_cannot_log_in(tmp_path):
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    p = subprocess.run(["ssh", "-i", str(other), "-p", str(SSH_PORT), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "root@127.0.0.1", "true"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    assert p.returncode != 0


BAD_KEYS = bad_keys(PUB, PRIV)


def key_lines(host):
    """(type, blob) of every authorized key (the module may add a trailing space)."""
    return [tuple(line.split()[:2]) for line in host.file(AUTH).content_string.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def bad_key_run(host, kubeconfig, tmp_path_factory):
    """All bad-key cases in one ansible-playbook run; authorized_keys before and after."""
    d = tmp_path_factory.mktemp("bad")
    empty = d / "empty.pub"
    empty.write_text("\n")
    cases = playbook_cases(BAD_KEYS, str(empty))
    before = host.file(AUTH).sha256sum
    rc, out = run_role(d, {"bad_key_cases": cases, "results_file": str(d / "results.json"),
                           "ims_ssh_key_kubeconfig": kubeconfig}, playbook="bad_keys.yml")
    assert rc == 0, out[-4000:]
    return json.loads((d / "results.json").read_text()), out, before, host.file(AUTH).sha256sum


@pytest.mark.parametrize("case,extra_vars,message", BAD_KEYS, ids=[c[0] for c in BAD_KEYS])
def test_bad_key_fails_clearly(bad_key_run, case, extra_vars, message):
    results = bad_key_run[0]
    assert message in results[case], results[case]


def test_bad_keys_leave_authorized_keys_unchanged(bad_key_run):
    _unused, _unused, before, after = bad_key_run
    assert before == after


def test_bad_keys_never_echo_the_private_key(bad_key_run):
    out = bad_key_run[1]
    for line in PRIV.strip().splitlines()[1:-1]:
        assert line not in out


def test_configmap_private_key_never_shown_at_vvv(tmp_path, kubeconfig):
    rc, out = run_role(tmp_path, {"ims_ssh_key_kubeconfig": kubeconfig}, verbosity=4)
    assert rc == 0, out[-3000:]
    # Every line of the private key's body, and the ConfigMap key name's value.
    for line in PRIV.strip().splitlines()[1:-1]:
        assert line not in out
    assert '"private_key"' not in out


def test_key_file_source_and_state_absent(host, tmp_path):
    pub_file = str(tmp_path / "ims_key.pub")
    with open(pub_file, "w") as f:
        f.write(PUB + "\n")
    rc, out = run_role(tmp_path, {"ims_ssh_key_public_key_file": pub_file, "ims_ssh_key_state": "absent"})
    assert rc == 0, out
    assert tuple(PUB.split()[:2]) not in key_lines(host)
    # Put it back from the file source (the node stays as converge left it).
    rc, out = run_role(tmp_path, {"ims_ssh_key_public_key_file": pub_file})
    assert rc == 0, out
    assert tuple(PUB.split()[:2]) in key_lines(host)
