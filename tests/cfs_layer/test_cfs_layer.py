"""This repository used as-is as a CFS configuration layer, reproduced locally.

CFS clones the layer's repository at a commit and runs `ansible-playbook <playbook>` in its Ansible
execution environment (AEE) with no cray.csm collection installed. This test does the same from a
fresh `git clone` of this repository's HEAD (commit first: uncommitted changes are not in the clone)
with the AEE's ansible.cfg (aee-ansible.cfg), against a test-bed node WITHOUT podman that takes the
SLES path (zypper, from stand-in Nexus repositories on the node), reads the IMS key from a ConfigMap
through KUBECONFIG (as in-cluster config would), then checks the node the way IMS does: SSH as root
with the IMS key, `uname -i`, `which podman`, the /tmp/ims_* job count.

Ansible comes from CSM_CFS_ANSIBLE_BIN (a venv's bin folder; tests/run points it at its AEE replica,
core 2.11, for cfs_layer@2.11), else from the Python running pytest.

Needs root, podman and the test-bed images (tests/testbed/podman_setup.sh).
Run: pytest tests/cfs_layer -v
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
NODES = os.path.join(ROOT, "tests", "testbed", "nodes.sh")
NODE, PORT, SCOPE = "csm-cfs-layer-node", 22271, "cfs-layer-test"
IMAGE = "localhost/csm-node-zypper"
BIN = os.environ.get("CSM_CFS_ANSIBLE_BIN") or os.path.dirname(sys.executable)
AEE_CFG = os.path.join(HERE, "aee-ansible.cfg")
MOLECULE_KEY_TESTS = os.path.join(ROOT, "molecule", "ims_ssh_key", "tests")
# What a SLES 15 SP5 x86_64 node's facts would give, on the Debian test-bed node; the stand-in
# Nexus repositories on the node are unsigned rpm-md (tests/testbed/podman_setup.sh, csm-node-zypper).
SLES_VARS = ("podman_install_os_family=Suse podman_install_sles_sp=5 podman_install_arch=x86_64 "
             "podman_install_zypper_repo_base_url=file:///srv/nexus/repository "
             "podman_install_zypper_disable_gpg_check=true")


def sh(*cmd, **kw):
    kw.setdefault("env", dict(os.environ, CSM_TESTBED_SCOPE=SCOPE))
    p = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                       timeout=kw.pop("timeout", 600), **kw, check=False)
    return p.returncode, p.stdout


@pytest.fixture(scope="module")
def node():
    if os.geteuid() != 0 or not shutil.which("podman"):
        pytest.skip("needs root and podman (tests/testbed/podman_setup.sh)")
    assert sh("podman", "image", "exists", IMAGE)[0] == 0, "image %s missing: run tests/testbed/podman_setup.sh" % IMAGE
    rc, out = sh("bash", NODES, "up", NODE, str(PORT), "--image", IMAGE,
                 "--arch", "x86_64", "--privileged")
    assert rc == 0, out
    yield
    sh("bash", NODES, "down", NODE)


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    """A plain clone of this repository at HEAD, at a path that is not an ansible_collections tree."""
    d = tmp_path_factory.mktemp("cfs") / "csm-config-layer"
    head = subprocess.check_output(["git", "-C", ROOT, "rev-parse", "HEAD"], universal_newlines=True).strip()
    subprocess.check_call(["git", "clone", "-q", "--no-checkout", ROOT, str(d)])
    subprocess.check_call(["git", "-C", str(d), "checkout", "-q", head])
    return str(d)


@pytest.fixture(scope="module")
def ims_key(_csm_sim_process):
    """The CSM simulator's IMS private key (file) and kubeconfig (its ConfigMap has the public key)."""
    return _csm_sim_process.ims_private_key, _csm_sim_process.kubeconfig


def cfs_env(tmp, kubeconfig):
    """Like a CFS AEE: its ansible.cfg, the ansible bundle only; cray.csm is found nowhere."""
    empty = os.path.join(tmp, "no-collections")
    os.makedirs(empty, exist_ok=True)
    # PYTHONPATH too: Ansible also finds collections under ansible_collections/ on sys.path.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_", "PYTHONPATH"))}
    env.update(PATH=BIN + os.pathsep + env.get("PATH", ""), ANSIBLE_COLLECTIONS_PATH=empty, KUBECONFIG=kubeconfig,
               ANSIBLE_CONFIG=AEE_CFG, ANSIBLE_NOCOLOR="1",
               # Only what is printed: the checks below read the ok lines the AEE's cfg hides.
               ANSIBLE_DISPLAY_OK_HOSTS="True")
    return env


def write_inventory(tmp, image):
    """Like CFS's: the node in Compute, and in cfs_image when an image is being customized."""
    key = sh("bash", NODES, "key")[1].strip()
    inv = os.path.join(tmp, "hosts-image" if image else "hosts-booted")
    with open(inv, "w") as f:
        f.write("[Compute]\n%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root "
                "ansible_ssh_private_key_file=%s %s\n[Application]\n" % (NODE, PORT, key, SLES_VARS))
        if image:
            f.write("[cfs_image]\n%s\n" % NODE)
    return inv


def ims_ssh(key, command):
    return sh("ssh", "-i", key, "-p", str(PORT), "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
              "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
              "root@127.0.0.1", command, timeout=60)


def on_node(command):
    return sh("podman", "exec", NODE, "sh", "-c", command, timeout=60)


def installed_collections(env, cwd):
    """Collection names Ansible finds ({path: {name: info}} from ansible-galaxy's JSON on every core)."""
    rc, out = sh(os.path.join(BIN, "ansible-galaxy"), "collection", "list", "--format", "json", env=env, cwd=cwd)
    assert rc == 0, out
    found = json.loads(out[out.index("{"):])
    return {name for colls in found.values() for name in colls}


def test_layer_runs_from_plain_clone(node, layer, ims_key, tmp_path):
    key, kubeconfig = ims_key
    env = cfs_env(str(tmp_path), kubeconfig)
    rc, version = sh(os.path.join(BIN, "ansible-playbook"), "--version", env=env, cwd=layer)
    print(version)
    # tests/run says which core it meant (CSM_CFS_ANSIBLE_CORE): make sure that one runs.
    want = os.environ.get("CSM_CFS_ANSIBLE_CORE")
    assert rc == 0 and (not want or "[core %s." % want in version), version
    assert "config file = %s" % AEE_CFG in version, version
    names = installed_collections(env, layer)
    assert "cray.csm" not in names, "cray.csm must not be installed for this test"
    # What the roles use must come from the ansible bundle of this core.
    assert {"community.general", "ansible.posix", "kubernetes.core"} <= names, sorted(names)
    # The node starts without podman: the layer has to install it.
    rc, out = on_node("test ! -e /usr/bin/podman && ! rpm --dbpath /var/lib/rpm -q podman")
    assert rc == 0, "the node already has podman:\n" + out

    # 0. Check mode on the fresh node fails nothing and changes nothing (the repositories are not
    # there yet, so zypper could not even find podman).
    image_inventory = write_inventory(str(tmp_path), True)
    rc, out = sh(os.path.join(BIN, "ansible-playbook"), "-i", image_inventory, "--check",
                 "playbooks/ims_computes.yml", env=env, cwd=layer)
    print(out)
    assert rc == 0, out[-4000:]
    # (ecdsa: the IMS key; the test bed's own is ed25519)
    rc, left = on_node("test ! -e /usr/bin/podman && ! grep -qs SUSE-SLE /etc/zypp/repos.d/* && "
                       "! grep -qs ecdsa /root/.ssh/authorized_keys")
    assert rc == 0, "check mode changed the node:\n" + left

    # 1. Image customization: default host pattern Application:Compute:&cfs_image.
    rc, out = sh(os.path.join(BIN, "ansible-playbook"), "-i", image_inventory,
                 "playbooks/ims_computes.yml", env=env, cwd=layer)
    print(out)
    assert rc == 0, out[-4000:]
    assert "%s " % NODE in out.split("PLAY RECAP")[-1]
    # zypper installed podman (the rpm made from the real binary) from the Containers Pool repository.
    rc, ver = on_node("rpm --dbpath /var/lib/rpm -q --qf '%{NAME} %{VERSION}' podman")
    assert rc == 0 and ver.startswith("podman "), ver
    rc, hist = on_node("grep '|install|podman|' /var/log/zypp/history")
    assert rc == 0 and "SUSE-SLE-Module-Containers-15-sp5-x86_64-Pool" in hist, hist

    # 2. Booted node (runtime check on), second run: nothing changes.
    rc, out = sh(os.path.join(BIN, "ansible-playbook"), "-i", write_inventory(str(tmp_path), False),
                 "playbooks/ims_computes.yml", "-e", "ims_computes_hosts=Compute", env=env, cwd=layer)
    print(out)
    assert rc == 0, out[-4000:]
    recap = out.split("PLAY RECAP")[-1]
    assert "changed=0" in recap and "failed=0" in recap, recap
    run_info = out.split("Run `podman info`]")[1].split("TASK [")[0]
    assert "ok: [%s]" % NODE in run_info, run_info

    # What IMS then does over SSH with its own key (V3RemoteBuildNodeRecord.getStatus).
    rc, arch = ims_ssh(key, "uname -i")
    assert rc == 0 and "x86" in arch, arch
    rc, which = ims_ssh(key, "which podman")
    assert rc == 0 and "/usr/bin/podman" in which, which
    rc, jobs = ims_ssh(key, "ls -d1 /tmp/* | grep /tmp/ims_ | wc -l")
    assert rc == 0 and jobs.strip() == "0", jobs
    rc, nat = ims_ssh(key, "iptables -L -n -t nat")  # how IMS picks a free port for a job
    assert rc == 0, nat


def test_installed_collection_is_not_refused(tmp_path):
    """An AEE that has cray.csm installed loads it on its core (meta/runtime.yml requires_ansible),
    even with COLLECTIONS_ON_ANSIBLE_VERSION_MISMATCH=error, and finds the layer playbook by name."""
    env = cfs_env(str(tmp_path), os.devnull)
    env.update(ANSIBLE_COLLECTIONS_PATH=installed(tmp_path), ANSIBLE_COLLECTIONS_ON_ANSIBLE_VERSION_MISMATCH="error")
    rc, out = sh(os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "localhost,", "cray.csm.ims_computes",
                 env=env, cwd=str(tmp_path))
    assert rc == 0, out
    assert "does not support Ansible version" not in out, out


def compat(*paths):
    """aee_compat.py run by this core's Python: what the given files use that the core lacks."""
    out = subprocess.check_output([os.path.join(BIN, "python"), os.path.join(HERE, "aee_compat.py"), ROOT]
                                  + list(paths), universal_newlines=True, stderr=subprocess.DEVNULL)
    return json.loads(out)


def test_layer_uses_only_what_the_core_has():
    """Modules, module options, keywords, filters and tests of the CFS layer and of every role
    (ceph_buildcache too: a site may put it in a layer) exist on this core and its collections."""
    found = compat(os.path.join(ROOT, "playbooks", "ims_computes.yml"), os.path.join(ROOT, "roles"))
    assert found["checked"]["tasks"] >= 80 and found["checked"]["modules"] >= 15, found["checked"]
    assert found["problems"] == {k: [] for k in ("filters", "keywords", "modules", "options", "tests")}, found


def test_compat_check_finds_what_the_core_lacks(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("- name: Bad option and test\n  ansible.builtin.copy: {dest: /x, no_such_option: 1}\n"
                   "  when: x is no_such_test\n"
                   "- name: Bad keyword\n  ansible.builtin.debug: {msg: x}\n  no_such_keyword: 1\n"
                   "- name: Bad filter\n  ansible.builtin.debug: {msg: '{{ x | no_such_filter }}'}\n"
                   "- name: No such module\n  ansible.builtin.no_such_module: {}\n")
    found = compat(str(bad))["problems"]
    assert found["options"] == ["ansible.builtin.copy: no_such_option"], found
    assert [p.split(": ")[1] for p in found["tests"] + found["filters"]] == ["no_such_test", "no_such_filter"], found
    assert "no_such_keyword" in found["keywords"][0] and found["modules"] == ["ansible.builtin.no_such_module"], found


def test_compat_check_reads_role_filters_and_the_collections(tmp_path):
    """A role's filter_plugins/ gives bare names (the core loads them with a role run by path); cray.csm.X is
    known when the checkout's plugins/filter has X and it loads on this core; anything else is missing."""
    role = tmp_path / "roles" / "r"
    (role / "filter_plugins").mkdir(parents=True)
    (role / "tasks").mkdir()
    (role / "filter_plugins" / "own.py").write_text(
        "class FilterModule(object):\n    def filters(self):\n        return {'own_filter': str}\n")
    (role / "tasks" / "main.yml").write_text(
        "- name: Filters\n  ansible.builtin.debug:\n    msg: >-\n"
        "      {{ x | own_filter | cray.csm.ssh_public_key_problem([], {}) | cray.csm.no_such_filter | other_filter }}\n")
    found = compat(str(tmp_path / "roles"))["problems"]
    assert [f.split(": ", 1)[1] for f in found["filters"]] == ["cray.csm.no_such_filter", "other_filter"], found


def installed(tmp_path):
    """A collections path holding this checkout as cray.csm (as an AEE with it installed has)."""
    colls = tmp_path / "collections"
    (colls / "ansible_collections" / "cray").mkdir(parents=True)
    (colls / "ansible_collections" / "cray" / "csm").symlink_to(ROOT)
    return str(colls)


def test_bad_ims_keys_refused_on_this_core(node, _csm_sim_process, tmp_path):
    """The Molecule scenario ims_ssh_key's bad-key cases and its -vvvv check, on this core (Molecule
    cannot drive the AEE's core 2.11): each fails with its message, authorized_keys never changes,
    the ConfigMap's private key is never printed."""
    sys.path.insert(0, MOLECULE_KEY_TESTS)
    from bad_key_cases import bad_keys, playbook_cases  # pylint: disable=import-outside-toplevel
    pub = _csm_sim_process.ims_public_key.strip()
    with open(_csm_sim_process.ims_private_key) as f:
        priv = f.read()
    cases = bad_keys(pub, priv)
    empty = tmp_path / "empty.pub"
    empty.write_text("\n")
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"bad_key_cases": playbook_cases(cases, str(empty)),
                                 "results_file": str(tmp_path / "results.json")}))
    env = cfs_env(str(tmp_path), _csm_sim_process.kubeconfig)
    env["ANSIBLE_COLLECTIONS_PATH"] = installed(tmp_path)
    before = on_node("sha256sum /root/.ssh/authorized_keys")
    inventory = write_inventory(str(tmp_path), False)
    rc, out = sh(os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-e", "@%s" % extra,
                 os.path.join(MOLECULE_KEY_TESTS, "bad_keys.yml"), env=env, cwd=str(tmp_path))
    assert rc == 0, out[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert {n: m in results.get(n, "") for n, _unused, m in cases} == {n: True for n, _unused, _m in cases}, results
    assert on_node("sha256sum /root/.ssh/authorized_keys") == before
    rc, loud = sh(os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-vvvv",
                  os.path.join(MOLECULE_KEY_TESTS, "role_play.yml"), env=env, cwd=str(tmp_path))
    assert rc == 0, loud[-4000:]
    for line in priv.strip().splitlines()[1:-1]:
        assert line not in out and line not in loud
    assert '"private_key"' not in loud
