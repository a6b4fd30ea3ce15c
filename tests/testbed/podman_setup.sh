#!/usr/bin/env bash
# Prepare this Debian machine to run the test bed's node containers (root, idempotent):
#   1. install rootful podman and the tools to build images without a registry;
#   2. write /etc/containers/containers.conf only when podman cannot run without it;
#   3. build localhost/csm-node-base (debootstrap minbase + sshd + systemd) and
#      localhost/csm-node-podman (the same plus podman and iptables), reusing them when present;
#   4. build localhost/csm-node-zypper: a node WITHOUT podman that installs it the SLES way (zypper,
#      from stand-in Nexus repositories inside the node, see build_zypper_image);
#   5. build localhost/csm-node-py36: the podman node whose only Python is 3.6 (see build_py36_image).
# Environment:
#   CSM_TESTBED_CACHE   cache directory for rootfs tarballs (default /var/cache/csm-testbed)
#   CSM_TESTBED_REBUILD=1  rebuild both images even when they exist
#   CSM_TESTBED_MIRROR  Debian mirror for debootstrap (default: taken from /etc/apt sources)
set -euo pipefail

BASE_IMAGE=localhost/csm-node-base
PODMAN_IMAGE=localhost/csm-node-podman
ZYPPER_IMAGE=localhost/csm-node-zypper
PY36_IMAGE=localhost/csm-node-py36
# Bump when the Python 3.6 image's recipe changes.
PY36_RECIPE=1
SUITE=bookworm
# Bump when the image recipe changes: images with another value are rebuilt.
# 8: one Ed25519 host key made at boot instead of `ssh-keygen -A` (RSA, ECDSA, Ed25519).
RECIPE=8
# The nodes' SSH host key (nodes.sh makes it the same way for nodes without systemd).
HOSTKEY=/etc/ssh/ssh_host_ed25519_key
HOSTKEY_CMD="test -f $HOSTKEY || ssh-keygen -q -t ed25519 -N '' -f $HOSTKEY"
# Bump when only the podman image's recipe changes (the base image is then kept).
# 3: crun (runc cannot start a container in a node on this machine's cgroup v1) and a nested
#    podman subnet 10.99.0.0/16, not the machine's 10.88.0.0/16 (the node lost its own route otherwise).
# 4: the nested podman uses cgroupfs: with systemd as its cgroup manager (cgroup v1 here), stopping or
#    killing one container in a node killed every other container of that node too.
PODMAN_RECIPE=4
INCLUDE=python3,python3-apt,openssh-server,systemd,systemd-sysv,dbus,iproute2,procps,sudo,debianutils
CACHE=${CSM_TESTBED_CACHE:-/var/cache/csm-testbed}
APT=(apt-get -o DPkg::Lock::Timeout=900 -y -q)

log() { echo "podman_setup: $*"; }
die() { echo "podman_setup: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (rootful podman, debootstrap and apt need it)"

install_packages() {
    local missing=() p
    for p in podman runc debootstrap uidmap iptables; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "packages present: podman runc debootstrap uidmap iptables"
        return
    fi
    log "installing: ${missing[*]}"
    # An old or missing package list makes the install fail: refresh it once.
    "${APT[@]}" update >/dev/null
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null
}

debian_mirror() {
    if [ -n "${CSM_TESTBED_MIRROR:-}" ]; then echo "$CSM_TESTBED_MIRROR"; return; fi
    # First Debian (non-security) URI from deb822 or one-line sources.
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | grep -v '^[[:space:]]*#' |
        grep -Eo 'https?://[^ ]*debian/?' | grep -v security | head -n1 || true)
    echo "${uri:-http://deb.debian.org/debian}"
}

image_label() {  # image label: prints the label's value, empty when the image or label is absent
    podman image inspect --format "{{ index .Labels \"$2\" }}" "$1" 2>/dev/null || true
}

image_recipe() {  # prints the recipe label of an image, empty when the image is absent
    podman image inspect --format '{{ index .Labels "csm.testbed.recipe" }}' "$1" 2>/dev/null || true
}

build_base() {
    if [ "${CSM_TESTBED_REBUILD:-0}" != 1 ] && [ "$(image_recipe "$BASE_IMAGE")" = "$RECIPE" ]; then
        log "reusing $BASE_IMAGE"
        return
    fi
    # The raw debootstrap tree is cached (keyed by suite and package list); the
    # customization below is cheap and reapplied at every build.
    local tarball rootfs
    tarball="$CACHE/debootstrap-$SUITE-$(echo "$INCLUDE" | md5sum | cut -c1-8).tar"
    mkdir -p "$CACHE"
    rootfs=$(mktemp -d "$CACHE/rootfs.XXXXXX")
    if [ -s "$tarball" ]; then
        log "using cached rootfs $tarball"
        tar -C "$rootfs" -xf "$tarball"
    else
        local mirror
        mirror=$(debian_mirror)
        log "debootstrap $SUITE from $mirror (about a minute)"
        debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$rootfs" "$mirror" \
            >"$CACHE/debootstrap.log" 2>&1 || { rm -rf "$rootfs"; die "debootstrap failed, see $CACHE/debootstrap.log"; }
        rm -rf "$rootfs"/var/cache/apt/archives/*.deb
        tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    fi
    customize_rootfs "$rootfs"
    tar -C "$rootfs" -c . | podman import -q --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
        --change "LABEL csm.testbed.recipe=$RECIPE" - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
    log "built $BASE_IMAGE"
}

customize_rootfs() {
    local r=$1
    # Each container gets its own SSH host key at boot, not one made at build time: Ed25519 only
    # (`ssh-keygen -A` also makes an RSA key, ~1.5 CPU-s at every container start; CI starts ~100).
    rm -f "$r"/etc/ssh/ssh_host_*
    mkdir -p "$r/etc/systemd/system/ssh.service.d"
    printf '[Service]\nExecStartPre=\nExecStartPre=/bin/sh -c %s\nExecStartPre=/usr/sbin/sshd -t\n' \
        "\"$HOSTKEY_CMD\"" >"$r/etc/systemd/system/ssh.service.d/hostkeys.conf"
    # Key-only root login, as on a compute node.
    printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\nHostKey %s\n' "$HOSTKEY" \
        >"$r/etc/ssh/sshd_config.d/testbed.conf"
    # Units that make no sense in a container and slow or break boot.
    local u
    for u in getty@tty1.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
        e2scrub_all.timer fstrim.timer; do
        ln -sf /dev/null "$r/etc/systemd/system/$u"
    done
    # No per-user systemd manager (nothing here needs one): in a container its stop after the last
    # session can hang until its 90 s timeout (processes survive SIGKILL under cgroupfs), and
    # every login that comes meanwhile waits for it.
    ln -sf /dev/null "$r/etc/systemd/system/user@.service"
    : >"$r/etc/machine-id"
    echo csm-node >"$r/etc/hostname"
    rm -rf "$r"/var/cache/apt/archives/*.deb
}

# The images below are made FROM the base image and rebuilt whenever the base changed.
image_current() {  # image_current IMAGE BASE_ID: IMAGE exists, made from that base (and no forced rebuild)
    [ "${CSM_TESTBED_REBUILD:-0}" != 1 ] &&
        [ "$(podman image inspect --format '{{ index .Labels "csm.testbed.base" }}' "$1" 2>/dev/null)" = "$2" ]
}

build_on_base() {  # build_on_base IMAGE BASE_ID CTX WHAT: CTX/steps (Containerfile lines) on the base image
    local image=$1 base_id=$2 ctx=$3 build_log=$CACHE/${1##*/}-build.log
    { echo "FROM $BASE_IMAGE"; cat "$ctx/steps"
      echo "LABEL csm.testbed.recipe=$RECIPE csm.testbed.base=$base_id"; echo 'CMD ["/sbin/init"]'; } >"$ctx/Containerfile"
    log "building $image ($4, about a minute)"
    podman build --pull=never -t "$image" "$ctx" >"$build_log" 2>&1 ||
        { rm -rf "$ctx"; die "podman build failed, see $build_log"; }
    rm -rf "$ctx"
    log "built $image"
}

build_podman_image() {
    local base_id ctx
    base_id=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")
    if image_current "$PODMAN_IMAGE" "$base_id" &&
        [ "$(image_label "$PODMAN_IMAGE" csm.testbed.podman_recipe)" = "$PODMAN_RECIPE" ]; then
        log "reusing $PODMAN_IMAGE"; return
    fi
    ctx=$(mktemp -d)
    # crun: runc cannot start a container inside the node on this machine's cgroup v1; 10.99: the nested
    # podman's default 10.88 bridge is the machine's own, and would take the node's route away; cgroupfs:
    # under the node's systemd, removing one container there killed every other one (a live job too).
    cat >"$ctx/steps" <<'EOF'
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        podman iptables runc crun uidmap ca-certificates && \
    rm -rf /var/cache/apt/archives/*.deb && \
    sed -i 's/10\.88\./10.99./g' /etc/cni/net.d/87-podman-bridge.conflist && \
    mkdir -p /etc/containers/containers.conf.d && \
    printf '[engine]\ncgroup_manager = "cgroupfs"\n' >/etc/containers/containers.conf.d/testbed-node.conf
EOF
    echo "LABEL csm.testbed.podman_recipe=$PODMAN_RECIPE" >>"$ctx/steps"
    build_on_base "$PODMAN_IMAGE" "$base_id" "$ctx" "apt inside the image"
}

# A node without podman whose zypper installs the real thing. No SUSE image or repository can be had
# here, so: Debian's zypper and rpm, podman's run-time dependencies from apt (conmon, runc, containers
# config, its libraries) but not podman itself, and two rpm-md repositories laid out like Nexus's
# SUSE-SLE-Module-{Basesystem,Containers}-15-SP5-x86_64-Pool under /srv/nexus/repository. The
# Containers one holds a `podman` rpm made from Debian's podman package (the working binary), so
# `zypper install podman` really puts /usr/bin/podman in place; `which` and `iptables` (already
# there from apt) are stand-in rpms holding a marker file, as in molecule/podman_install_sles.
build_zypper_image() {
    local base_id ctx
    base_id=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")
    if image_current "$ZYPPER_IMAGE" "$base_id"; then log "reusing $ZYPPER_IMAGE"; return; fi
    ctx=$(mktemp -d)
    cat >"$ctx/repos.sh" <<'EOS'
set -eux
cd /tmp && apt-get download podman
ver=$(dpkg-deb -f podman_*.deb Version | sed 's/[+~-].*//')
mkdir -p /tmp/podman-root && dpkg-deb -x podman_*.deb /tmp/podman-root
# What podman needs to run; systemd units and shell completions stay out (Debian's /lib is a symlink).
files="/usr/bin/podman /usr/lib/podman/rootlessport /usr/lib/tmpfiles.d/podman.conf
       /etc/cni/net.d/87-podman-bridge.conflist /etc/containers/libpod.conf"
spec() {  # spec NAME VERSION FILES...: an rpm spec holding those files (copied from /tmp/podman-root)
    local name=$1 version=$2; shift 2
    printf 'Name: %s\nVersion: %s\nRelease: 1\nSummary: Test-bed %s for zypper\nLicense: Apache-2.0\n' "$name" "$version" "$name"
    # The files' libraries come from dpkg, which rpm does not know: no automatic Requires.
    printf 'AutoReqProv: no\n%%description\nTest bed rpm (cray.csm tests/testbed/podman_setup.sh).\n%%install\n'
    for f in "$@"; do printf 'mkdir -p %%{buildroot}%s && cp -a /tmp/podman-root%s %%{buildroot}%s\n' "$(dirname "$f")" "$f" "$f"; done
    printf '%%files\n'; printf '%s\n' "$@"
}
# shellcheck disable=SC2086
spec podman "$ver" $files >/tmp/podman.spec
mkdir -p /tmp/podman-root/usr/share/csm-testbed-rpms
for p in which iptables; do
    echo "$p" >/tmp/podman-root/usr/share/csm-testbed-rpms/$p
    spec "$p" 99.0 /usr/share/csm-testbed-rpms/$p >/tmp/$p.spec
done
for p in podman which iptables; do
    rpmbuild -bb --quiet --define "_topdir /tmp/rpmbuild" /tmp/$p.spec
done
repo=/srv/nexus/repository/SUSE-SLE-Module-%s-15-SP5-x86_64-Pool
mkdir -p "$(printf $repo Basesystem)" "$(printf $repo Containers)"
cp /tmp/rpmbuild/RPMS/*/podman-*.rpm "$(printf $repo Containers)/"
cp /tmp/rpmbuild/RPMS/*/which-*.rpm /tmp/rpmbuild/RPMS/*/iptables-*.rpm "$(printf $repo Basesystem)/"
createrepo_c -q "$(printf $repo Basesystem)" && createrepo_c -q "$(printf $repo Containers)"
# zypp's system check looks for glibc in the rpm database, which Debian's is not.
: >/etc/zypp/systemCheck
rm -rf /tmp/rpmbuild /tmp/podman-root /tmp/*.spec /tmp/podman_*.deb
test ! -e /usr/bin/podman
EOS
    cat >"$ctx/steps" <<'EOF'
COPY repos.sh /tmp/repos.sh
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        zypper rpm createrepo-c conmon golang-github-containers-common runc uidmap iptables ca-certificates \
        libdevmapper1.02.1 libgpgme11 libseccomp2 libsubid4 && \
    bash /tmp/repos.sh && DEBIAN_FRONTEND=noninteractive apt-get purge -y -q createrepo-c && \
    rm -rf /tmp/repos.sh /var/cache/apt/archives/*.deb
EOF
    build_on_base "$ZYPPER_IMAGE" "$base_id" "$ctx" "apt and rpmbuild inside the image"
}

# A node whose only Python is 3.6, as /usr/bin/python3 is on SLES 15: the podman image with Debian's
# Python removed and pyenv's 3.6.15 (built on this machine, the same Debian) copied in at the same path,
# /usr/bin/python3 linking to it. ansible-core 2.17 and newer cannot run modules with it. Skipped (and
# said so) when this machine has no Python 3.6 to copy; CSM_TESTBED_PY36 names another one.
build_py36_image() {
    local base_id ctx py36=${CSM_TESTBED_PY36:-/root/.pyenv/versions/3.6.15}
    if [ ! -x "$py36/bin/python3.6" ]; then log "no Python 3.6 at $py36: not building $PY36_IMAGE"; return; fi
    base_id=$(podman image inspect --format '{{.Id}}' "$PODMAN_IMAGE")
    if [ "${CSM_TESTBED_REBUILD:-0}" != 1 ] && [ "$(image_label "$PY36_IMAGE" csm.testbed.base)" = "$base_id" ] &&
        [ "$(image_label "$PY36_IMAGE" csm.testbed.py36_recipe)" = "$PY36_RECIPE" ]; then
        log "reusing $PY36_IMAGE"; return
    fi
    ctx=$(mktemp -d)
    tar -C / --exclude='*/test' --exclude='*/__pycache__' -cf "$ctx/py36.tar" "${py36#/}"
    cat >"$ctx/Containerfile" <<EOF
FROM $PODMAN_IMAGE
ADD py36.tar /
RUN DEBIAN_FRONTEND=noninteractive dpkg --purge --force-depends python3 python3-apt python3-minimal \
        \$(dpkg-query -W -f='\${Package}\n' 'python3.*' 'libpython3*' | sort -u) && \
    ln -s $py36/bin/python3.6 /usr/bin/python3 && \
    test "\$(ls /usr/bin | grep -c '^python')" = 1 && /usr/bin/python3 -c 'import sys; assert sys.version_info[:2] == (3, 6)'
LABEL csm.testbed.recipe=$RECIPE csm.testbed.base=$base_id csm.testbed.py36_recipe=$PY36_RECIPE
CMD ["/sbin/init"]
EOF
    log "building $PY36_IMAGE (Python 3.6 only)"
    podman build --pull=never -t "$PY36_IMAGE" "$ctx" >"$CACHE/csm-node-py36-build.log" 2>&1 ||
        { rm -rf "$ctx"; die "podman build failed, see $CACHE/csm-node-py36-build.log"; }
    rm -rf "$ctx"
    log "built $PY36_IMAGE"
}

podman_runs() { podman run --rm --pull=never "$BASE_IMAGE" /bin/true >/dev/null 2>&1; }

ensure_podman_runs() {
    if podman_runs; then
        log "podman run works"
        return
    fi
    local conf=/etc/containers/containers.conf
    if [ -e "$conf" ]; then
        podman run --rm --pull=never "$BASE_IMAGE" /bin/true || true
        die "podman run fails and $conf already exists: not touching it. Merge in the settings from tests/testbed/README.md"
    fi
    log "podman run fails on this machine without a $conf: writing one (ulimits, runc, cgroupfs, file events)"
    mkdir -p /etc/containers
    cat >"$conf" <<'EOF'
# Written by cray.csm tests/testbed/podman_setup.sh because `podman run` failed without it
# (setrlimit RLIMIT_NOFILE not permitted; crun: cgroups in hybrid mode not supported).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    podman_runs || { podman run --rm --pull=never "$BASE_IMAGE" /bin/true || true; die "podman run still fails with $conf"; }
    log "podman run works with $conf"
}

install_packages
build_base
ensure_podman_runs
build_podman_image
build_zypper_image
build_py36_image
log "ready: $BASE_IMAGE $PODMAN_IMAGE $ZYPPER_IMAGE $PY36_IMAGE"
