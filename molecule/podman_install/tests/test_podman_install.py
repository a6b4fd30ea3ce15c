"""What IMS needs on a remote build node, checked inside the converged node."""
import json


def test_podman_package_installed(host):
    assert host.package("podman").is_installed


def test_podman_at_the_path_ims_requires(host):
    assert host.file("/usr/bin/podman").exists
    # IMS runs `which podman` and looks for /usr/bin/podman in its stdout.
    assert "/usr/bin/podman" in host.check_output("which podman")


def test_podman_info_works(host):
    # (json: testinfra's ansible backend would template a Go "{{ }}" format)
    out = host.run("podman info --format json")
    assert out.rc == 0, out.stderr
    info = json.loads(out.stdout)
    assert info["store"]["graphDriverName"] in ("overlay", "vfs")
    assert info["host"]["ociRuntime"]["path"]


def test_iptables_nat_listing_works(host):
    # IMS runs this to pick a free host port.
    assert host.run("iptables -L -v -n -t nat").rc == 0
