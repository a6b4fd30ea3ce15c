"""The zypper branch: the two SUSE Pool repositories at priority 4, and the packages from them."""
import xml.etree.ElementTree as ET

import pytest

# The scenario passes file:///srv/nexus/repository; zypper stores it as file:/ (empty host dropped).
BASE = "file:/srv/nexus/repository"
REPOS = {
    # alias as in the CSM doc (lower-case "sp") -> URL (upper-case "SP")
    "SUSE-SLE-Module-Basesystem-15-sp5-x86_64-Pool": BASE + "/SUSE-SLE-Module-Basesystem-15-SP5-x86_64-Pool/",
    "SUSE-SLE-Module-Containers-15-sp5-x86_64-Pool": BASE + "/SUSE-SLE-Module-Containers-15-SP5-x86_64-Pool/",
}


@pytest.fixture(scope="module")
def repos(host):
    xml = host.check_output("zypper --non-interactive --xmlout repos")
    return {r.get("alias"): r for r in ET.fromstring(xml).iter("repo")}


def test_exactly_the_two_pool_repos(repos):
    assert sorted(repos) == sorted(REPOS)


@pytest.mark.parametrize("alias", sorted(REPOS))
def test_repo_url_priority_enabled(repos, alias):
    r = repos[alias]
    assert r.findtext("url") == REPOS[alias]
    assert r.get("priority") == "4"
    assert r.get("enabled") == "1"


@pytest.mark.parametrize("pkg,repo", [("podman", "Containers"), ("which", "Basesystem"), ("iptables", "Basesystem")])
def test_package_installed_by_zypper_from_its_repo(host, pkg, repo):
    # rpm's database (not dpkg's) has it, in the stand-in version only the test repo holds.
    # libzypp uses /var/lib/rpm (as on SLES); Debian's rpm command alone would look in ~/.rpmdb.
    assert host.check_output("rpm --dbpath /var/lib/rpm -q --qf '%%{VERSION}' %s" % pkg) == "99.0"
    assert host.file("/usr/share/csm-testbed-rpms/%s" % pkg).exists
    hist = host.check_output("cat /var/log/zypp/history")
    assert any(line.split("|")[2:3] == [pkg] and "SUSE-SLE-Module-%s-15-sp5" % repo in line
               for line in hist.splitlines() if line.startswith("20") and "|install|" in line)


def test_ims_needs_still_met(host):
    assert "/usr/bin/podman" in host.check_output("which podman")
    assert host.run("podman info").rc == 0
