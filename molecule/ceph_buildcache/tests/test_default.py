"""Verify cray.csm.ceph_buildcache against the real test bed Ceph (tests/testbed/ceph.sh).

Runs after converge + idempotence. The later tests re-run the role (ansible-playbook with the
scenario's inventory) to check data safety; they leave the cache set up for cleanup.yml.
"""
import json
import os
import subprocess
import uuid

import pytest

NODE = "csm-mol-ceph-buildcache"
IMAGE = "kube/buildcache-" + NODE
CEPH_DIR = os.environ.get("CSM_CEPH_DIR", "/var/tmp/csm-ceph")
SCENARIO = os.environ["MOLECULE_SCENARIO_DIRECTORY"]
BINDS = ["/tmp", "/var/lib/containers", "/var/tmp"]


def rbd(*args):
    """rbd on the controller as client.admin, against the test bed cluster only."""
    cmd = ["rbd", "--conf", os.path.join(CEPH_DIR, "daemons.conf"), "--id", "admin"] + list(args)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120, check=False)


def rbd_used_bytes():
    out = rbd("du", IMAGE, "--format", "json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["images"][0]["used_size"]


def play(*extra):
    """Run converge.yml again with extra -e arguments; returns (rc, output)."""
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], os.path.join(SCENARIO, "converge.yml")]
    for e in extra:
        cmd += ["-e", e]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)
    return out.returncode, out.stdout


def findmnt(host, target, cols):
    out = host.run("findmnt -n -o %s --mountpoint %s", cols, target)
    return out.stdout.strip().splitlines()[-1].split() if out.rc == 0 and out.stdout.strip() else []


def test_image_exists_with_features_off():
    out = rbd("info", IMAGE, "--format", "json")
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["size"] == 2 * 1024 ** 3
    for feature in ("object-map", "fast-diff", "deep-flatten"):
        assert feature not in info["features"]
    assert "layering" in info["features"]


def test_config_and_keyrings(host):
    assert host.file("/etc/ceph/ceph.conf").contains("mon_host")
    f = host.file("/etc/ceph/ceph.client.kube.keyring")
    assert f.user == "root" and f.mode == 0o600
    assert f.contains("client.kube")
    # The RBD is made from the controller: no admin key on the node.
    for name in ("admin", "admin-tools"):
        assert not host.file("/etc/ceph/ceph.client.%s.keyring" % name).exists


def test_cache_is_the_rbd_image(host):
    source, fstype = findmnt(host, "/mnt/cache", "SOURCE,FSTYPE")
    assert fstype == "ext4"
    # fuse method: the loop device's backing file is the image shown by rbd-fuse.
    backing = host.check_output("losetup -n -O BACK-FILE %s", source)
    assert backing == "/run/ceph-buildcache/rbd-fuse/buildcache-" + NODE


def test_binds_in_place(host):
    majmin = findmnt(host, "/mnt/cache", "MAJ:MIN")[0]
    for target in BINDS:
        assert findmnt(host, target, "MAJ:MIN,FSROOT") == [majmin, target]
    assert host.file("/tmp").mode == 0o1777
    assert host.file("/var/tmp").mode == 0o1777


def test_var_tmp_data_lands_in_rbd(host):
    before = rbd_used_bytes()
    host.check_output("dd if=/dev/urandom of=/var/tmp/blob bs=1M count=64 status=none && sync")
    after = rbd_used_bytes()
    assert after - before >= 48 * 1024 ** 2, (before, after)
    assert host.file("/mnt/cache/var/tmp/blob").size == 64 * 1024 ** 2


def test_data_survives_converge_and_absent_present(host):
    token = uuid.uuid4().hex
    host.check_output("echo %s > /var/tmp/marker && sync", token)

    rc, out = play()
    assert rc == 0, out
    assert host.file("/var/tmp/marker").content_string.strip() == token

    rc, out = play("ceph_buildcache_state=absent")
    assert rc == 0, out
    assert findmnt(host, "/mnt/cache", "SOURCE") == []
    for target in BINDS:
        assert findmnt(host, target, "MAJ:MIN,FSROOT")[1:] != [target]
    assert not host.file("/var/tmp/marker").exists
    assert findmnt(host, "/run/ceph-buildcache/rbd-fuse", "FSTYPE") == []
    assert host.run("losetup -n -O NAME -j /run/ceph-buildcache/rbd-fuse/buildcache-%s", NODE).stdout.strip() == ""
    assert rbd("info", IMAGE).returncode == 0, "state=absent must keep the image"

    rc, out = play()
    assert rc == 0, out
    assert host.file("/var/tmp/marker").content_string.strip() == token


@pytest.fixture
def vfat_device(host, tmp_path):
    """A 32 MiB vfat image made on the controller (xfs needs 300 MiB), on a loop device in the node."""
    img = tmp_path / "other.img"
    subprocess.run(["mkfs.vfat", "-C", str(img), str(32 * 1024)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["podman", "cp", str(img), NODE + ":/root/other.img"], check=True)
    dev = host.check_output("losetup -f --show /root/other.img")
    yield dev
    host.run("losetup -d %s", dev)
    host.run("rm -f /root/other.img")


def test_foreign_filesystem_refused_and_untouched(host, vfat_device):
    before = host.check_output("sha256sum %s", vfat_device).split()[0]
    rc, out = play("ceph_buildcache_device=" + vfat_device, "ceph_buildcache_mount_point=/mnt/other")
    assert rc != 0, out
    assert "already holds TYPE=vfat" in out and "never reformats" in out, out
    assert host.check_output("sha256sum %s", vfat_device).split()[0] == before
    assert host.check_output("blkid -p -o value -s TYPE %s", vfat_device) == "vfat"
    assert findmnt(host, "/mnt/other", "SOURCE") == []
