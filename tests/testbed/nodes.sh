#!/usr/bin/env bash
# Test-bed "compute nodes": systemd containers reached by SSH on 127.0.0.1.
#   nodes.sh up NAME SSH_PORT [--image IMG] [--arch x86_64|aarch64|unknown] [--privileged] [--host-network]
#            --privileged: needed for iptables (and nested privileged containers) inside the node
#            --host-network: privileged, on the machine's network (reaches tests/testbed/ceph.sh on
#            127.0.0.1), no systemd; its own sshd listens on 127.0.0.1:SSH_PORT
#   nodes.sh reboot NAME       (the node recreated from its image: what its root held at run time is
#            lost, as on a diskless node; same name, port, arch and options; Ceph data stays in Ceph)
#   nodes.sh down NAME
#   nodes.sh down-all          (only containers labelled by this test bed)
#   nodes.sh inventory         (one Ansible host line per running test-bed node)
#   nodes.sh key               (print the controller's private key path)
# Run tests/testbed/podman_setup.sh first (it builds the images).
# Environment: CSM_TESTBED_KEY_DIR overrides where the controller key pair lives.
#   CSM_TESTBED_SCOPE=WORD labels the nodes that `up` starts; `down-all` and `inventory` then see
#   only nodes of that scope (lets several test runs share one machine).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KEY_DIR=${CSM_TESTBED_KEY_DIR:-$HERE/.keys}
KEY=$KEY_DIR/id_ed25519
LABEL=csm.testbed.node
SCOPE=${CSM_TESTBED_SCOPE:-}
FILTER=(--filter "label=$LABEL=1")
[ -z "$SCOPE" ] || FILTER+=(--filter "label=csm.testbed.scope=$SCOPE")
DEFAULT_IMAGE=localhost/csm-node-base

die() { echo "nodes.sh: ERROR: $*" >&2; exit 1; }
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

ensure_key() {
    [ -s "$KEY" ] && return
    mkdir -p "$KEY_DIR"
    chmod 700 "$KEY_DIR"
    ssh-keygen -q -t ed25519 -N '' -C csm-testbed-controller -f "$KEY"
}

ssh_ok() {  # port name: the node itself answers (not another sshd on that port)
    [ "$(ssh -i "$KEY" -p "$1" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=3 -o LogLevel=ERROR root@127.0.0.1 hostname 2>/dev/null)" = "$2" ]
}

# A host-network node is privileged: the loop devices it attached are the machine's and would
# outlive it. Unmount (lazily) what is mounted from loop devices over files on the node's own FUSE
# mounts (rbd-fuse), detach those, then unmount the FUSE mounts so that rbd-fuse closes its Ceph
# session. Other loop devices of the machine are left alone.
release_node() {  # name
    podman exec "$1" bash -c '
        for fuse in $(findmnt -rn -o FSTYPE,MAJ:MIN | awk "\$1 ~ /^fuse/ {print \$2}"); do
            losetup -ln -O NAME,MAJ:MIN,BACK-MAJ:MIN | awk -v m="$fuse" "\$3 == m {print \$1, \$2}" |
                while read -r dev mm; do
                    findmnt -rn -o TARGET,MAJ:MIN | awk -v m="$mm" "\$2 == m {print \$1}" | tac | xargs -r -n1 umount -l
                    losetup -d "$dev" && echo "nodes.sh: $0: detached $dev"
                done
        done
        findmnt -rn -o FSTYPE,TARGET | awk "\$1 ~ /^fuse/ {print \$2}" | tac | xargs -r -n1 umount' "$1" 2>/dev/null || true
}

cmd_up() {
    local name=${1:-} port=${2:-}
    if [ -z "$name" ] || [ -z "$port" ]; then usage; fi
    shift 2
    # /var/lib/containers is an anonymous volume: podman inside the node cannot put its
    # overlay storage on the container's own overlay root.
    local image=$DEFAULT_IMAGE arch=unknown extra=() hostnet=0
    while [ $# -gt 0 ]; do
        case $1 in
            --image) image=$2; shift 2 ;;
            --arch) arch=$2; shift 2 ;;
            --privileged) extra+=(--privileged); shift ;;
            --host-network) hostnet=1; shift ;;
            *) die "unknown option $1" ;;
        esac
    done
    case $arch in x86_64 | aarch64 | unknown) ;; *) die "--arch must be x86_64, aarch64 or unknown" ;; esac
    [[ $port =~ ^[0-9]+$ ]] || die "SSH_PORT must be a number"
    podman image exists "$image" || die "image $image missing: run tests/testbed/podman_setup.sh"
    ensure_key
    if podman container exists "$name"; then
        [ "$(podman inspect -f '{{ index .Config.Labels "'$LABEL'" }}' "$name")" = 1 ] ||
            die "a container named $name exists and is not a test-bed node"
        podman rm -f "$name" >/dev/null
    fi
    local net=(--systemd=always -p "127.0.0.1:$port:22") cmd=(/sbin/init)
    if [ "$hostnet" = 1 ]; then
        # sshd binds the port itself here: on a busy port the SSH check would reach someone else.
        ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "127.0.0.1:$port is in use"
        # No systemd on the machine's network (its ssh.service would listen on the machine's port 22):
        # bash as PID 1 makes its host key, runs sshd on 127.0.0.1:PORT, reaps orphans, ends on SIGTERM.
        net=(--network host --privileged --systemd=false --stop-signal TERM --label csm.testbed.hostnet=1)
        cmd=(bash -c "trap 'exit 0' TERM; mkdir -p /run/sshd
            test -f /etc/ssh/ssh_host_ed25519_key || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
            /usr/sbin/sshd -D -e -o ListenAddress=127.0.0.1 -p $port & wait")
    fi
    podman run -d --name "$name" --hostname "$name" --label "$LABEL=1" --label "csm.testbed.port=$port" \
        --label "csm.testbed.scope=$SCOPE" --label "csm.testbed.arch=$arch" \
        "${net[@]}" -v /var/lib/containers "${extra[@]}" "$image" "${cmd[@]}" >/dev/null
    # Root's key, before sshd even answers.
    podman exec -i "$name" sh -c 'umask 077; mkdir -p /root/.ssh; cat >> /root/.ssh/authorized_keys' <"$KEY.pub"
    if [ "$arch" != unknown ]; then
        # Debian's uname -i prints "unknown"; SLES prints the architecture, which IMS requires.
        podman exec -i "$name" sh -c 'cat > /usr/local/bin/uname; chmod 755 /usr/local/bin/uname' <<EOF
#!/bin/sh
# Test bed: make "uname -i" print the hardware platform like SLES does ($arch).
if [ "\$#" -eq 1 ] && [ "\$1" = "-i" ]; then echo $arch; exit 0; fi
exec /bin/uname "\$@"
EOF
    fi
    # 60 s: on a loaded 2-CPU machine a node's first sshd start (host keys made at boot) took over 30 s.
    for _ in $(seq 1 120); do
        if ssh_ok "$port" "$name"; then
            echo "nodes.sh: $name up: ssh -i $KEY -p $port root@127.0.0.1"
            return
        fi
        sleep 0.5
    done
    podman logs --tail 20 "$name" >&2 || true
    die "$name: no SSH answer on 127.0.0.1:$port after 60 s"
}

cmd_down() {
    local name=${1:-}
    [ -n "$name" ] || usage
    podman container exists "$name" || { echo "nodes.sh: $name not present"; return; }
    [ "$(podman inspect -f '{{ index .Config.Labels "'$LABEL'" }}' "$name")" = 1 ] ||
        die "$name is not a test-bed node: not removing it"
    [ "$(podman inspect -f '{{ index .Config.Labels "csm.testbed.hostnet" }}' "$name")" != 1 ] || release_node "$name"
    podman rm -f -v -t 2 "$name" >/dev/null
    echo "nodes.sh: $name removed"
}

# A reboot: the node goes down (its mounts, loop devices and rbd-fuse released as by `down`) and comes
# back from the same image, with the same name, port, arch and options, so its root is the image's again.
cmd_reboot() {
    local name=${1:-} image port arch flags=()
    [ -n "$name" ] || usage
    podman container exists "$name" || die "$name: no such node"
    [ "$(podman inspect -f '{{ index .Config.Labels "'$LABEL'" }}' "$name")" = 1 ] ||
        die "$name is not a test-bed node: not rebooting it"
    image=$(podman inspect -f '{{ .ImageName }}' "$name")
    port=$(podman inspect -f '{{ index .Config.Labels "csm.testbed.port" }}' "$name")
    arch=$(podman inspect -f '{{ index .Config.Labels "csm.testbed.arch" }}' "$name")
    SCOPE=$(podman inspect -f '{{ index .Config.Labels "csm.testbed.scope" }}' "$name")
    if [ "$(podman inspect -f '{{ index .Config.Labels "csm.testbed.hostnet" }}' "$name")" = 1 ]; then
        flags+=(--host-network)
        release_node "$name"
    elif [ "$(podman inspect -f '{{ .HostConfig.Privileged }}' "$name")" = true ]; then
        flags+=(--privileged)
    fi
    podman rm -f -v -t 2 "$name" >/dev/null
    echo "nodes.sh: $name down (reboot)"
    cmd_up "$name" "$port" --image "$image" --arch "${arch:-unknown}" "${flags[@]}"
}

cmd_down_all() {
    local ids
    ids=$(podman ps -a -q "${FILTER[@]}")
    [ -n "$ids" ] || { echo "nodes.sh: no test-bed node"; return; }
    local name
    for name in $(podman ps "${FILTER[@]}" --filter label=csm.testbed.hostnet=1 --format '{{.Names}}'); do
        release_node "$name"
    done
    # shellcheck disable=SC2086
    podman rm -f -v -t 2 $ids >/dev/null
    echo "nodes.sh: removed $(echo "$ids" | wc -w) test-bed node(s)"
}

cmd_inventory() {
    ensure_key
    podman ps "${FILTER[@]}" --format '{{.Names}} {{ index .Labels "csm.testbed.port" }}' |
        sort | while read -r name port; do
            echo "$name ansible_host=127.0.0.1 ansible_port=$port ansible_user=root ansible_ssh_private_key_file=$KEY ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'"
        done
}

case ${1:-} in
    up) shift; cmd_up "$@" ;;
    down) shift; cmd_down "$@" ;;
    reboot) shift; cmd_reboot "$@" ;;
    down-all) cmd_down_all ;;
    inventory) cmd_inventory ;;
    key) ensure_key; echo "$KEY" ;;
    *) usage ;;
esac
