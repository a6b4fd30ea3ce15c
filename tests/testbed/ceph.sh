#!/usr/bin/env bash
# A real single-node Ceph (Debian's pacific) on 127.0.0.1 for the test bed: one mon, one mgr and
# one memstore OSD, with cephx, no systemd. Everything lives under one data directory.
#
#   tests/testbed/ceph.sh start [DATA_DIR]   bootstrap, wait for HEALTH_OK and all PGs active+clean;
#                                            a running cluster is kept (idempotent). The OSD is
#                                            memstore (RAM): after a stop, start makes a new cluster
#                                            (new fsid, keys, empty pool kube).
#   tests/testbed/ceph.sh stop [DATA_DIR]    stop the daemons started from DATA_DIR
#   tests/testbed/ceph.sh status [DATA_DIR]  daemons and `ceph -s`; exit 1 when not healthy
#   tests/testbed/ceph.sh env [DATA_DIR]     print `export CEPH_ARGS=...` for the admin CLI
#
# DATA_DIR (default $CSM_CEPH_DIR or /var/tmp/csm-ceph) contains:
#   etc/           what /etc/ceph holds on a CSM management node: ceph.conf (clients only: fsid,
#                  mon_host) and ceph.client.{admin,admin-tools,kube}.keyring. Copy it to a node's
#                  /etc/ceph as is (the cray.csm.ceph_buildcache role's default source layout).
#   daemons.conf   the daemons' own configuration; run/ (pid files, admin sockets), log/, mon.a/,
#                  mgr.x/, osd.0/.
# Environment: CSM_CEPH_MON_PORT (msgr2, default 3300), CSM_CEPH_MON_V1_PORT (default 6789),
#   CSM_CEPH_MEMSTORE_BYTES (OSD capacity, default 8 GiB; RAM is used only for data written),
#   CSM_CEPH_TIMEOUT (seconds to wait for health, default 60).
# Pool `kube` (application rbd) exists after start. Needs: apt-get install -y ceph-common ceph-mon
# ceph-osd ceph-mgr rbd-fuse uuid-runtime (the script installs them when missing).
set -euo pipefail

CMD=${1:-}
DIR=${2:-${CSM_CEPH_DIR:-/var/tmp/csm-ceph}}
PORT=${CSM_CEPH_MON_PORT:-3300}
PORT1=${CSM_CEPH_MON_V1_PORT:-6789}
MEMSTORE_BYTES=${CSM_CEPH_MEMSTORE_BYTES:-8589934592}
TIMEOUT=${CSM_CEPH_TIMEOUT:-60}
ETC=$DIR/etc
DCONF=$DIR/daemons.conf
PKGS=(ceph-common ceph-mon ceph-osd ceph-mgr rbd-fuse uuid-runtime)

log() { echo "ceph.sh: $*"; }
die() { echo "ceph.sh: ERROR: $*" >&2; exit 1; }
# The admin's CLI, against this cluster only (never /etc/ceph).
adm() { timeout 30 ceph --conf "$DCONF" --name client.admin --keyring "$ETC/ceph.client.admin.keyring" "$@"; }

install_packages() {
    local missing=() p
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] || die "missing packages ${missing[*]}; install them as root"
    log "installing: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=900 -q update >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -y -q install "${missing[@]}" >/dev/null
}

# pid of daemon NAME (mon.a, mgr.x, osd.0) when it runs, else nothing.
daemon_pid() {
    local f=$DIR/run/$1.pid pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    # A live process, not a zombie, started from this data directory.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DCONF" &&
        ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
        echo "$pid"
    fi
}

write_configs() {
    local fsid=$1 mon_host="[v2:127.0.0.1:$PORT,v1:127.0.0.1:$PORT1]"
    mkdir -p "$ETC" "$DIR/run" "$DIR/log"
    # Client side: as portable as a management node's /etc/ceph/ceph.conf (no local paths).
    cat >"$ETC/ceph.conf" <<EOF
# Test bed cluster from tests/testbed/ceph.sh (data dir $DIR)
[global]
fsid = $fsid
mon_host = $mon_host
EOF
    cat >"$DCONF" <<EOF
[global]
fsid = $fsid
mon_host = $mon_host
mon_initial_members = a
public_addr = 127.0.0.1
public_network = 127.0.0.0/8
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
run_dir = $DIR/run
admin_socket = $DIR/run/\$name.asok
pid_file = $DIR/run/\$name.pid
log_file = $DIR/log/\$name.log
mon_cluster_log_file = $DIR/log/\$cluster.\$channel.log
crash_dir = $DIR/crash
# One OSD: no replicas, no host-level failure domain.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
# The test bed shares the machine's disk: warn only when it is really full.
mon_data_avail_warn = 3
[client]
# Clients using this file (the admin CLI, rbd) find the keyrings in etc/.
keyring = $ETC/ceph.\$name.keyring
osd_crush_chooseleaf_type = 0
[mon]
keyring = $DIR/\$name/keyring
mon_data = $DIR/mon.\$id
mon_allow_pool_delete = true
[mgr]
keyring = $DIR/\$name/keyring
mgr_data = $DIR/mgr.\$id
[osd]
keyring = $DIR/\$name/keyring
osd_data = $DIR/osd.\$id
osd_objectstore = memstore
memstore_device_bytes = $MEMSTORE_BYTES
osd_max_object_name_len = 256
osd_max_object_namespace_len = 64
EOF
}

bootstrap() {
    local fsid tmp
    fsid=$(uuidgen)
    log "bootstrapping a new cluster in $DIR (fsid $fsid)"
    mkdir -p "$DIR"
    write_configs "$fsid"
    tmp=$DIR/bootstrap
    mkdir -p "$tmp"
    ceph-authtool --create-keyring "$tmp/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool --create-keyring "$ETC/ceph.client.admin.keyring" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
    ceph-authtool "$tmp/mon.keyring" --import-keyring "$ETC/ceph.client.admin.keyring" >/dev/null
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$PORT,v1:127.0.0.1:$PORT1]" \
        "$tmp/monmap" >/dev/null
    # mkfs wants a missing or empty mon.a; it copies the mon. key into mon.a/keyring.
    ceph-mon --conf "$DCONF" --mkfs -i a --monmap "$tmp/monmap" --keyring "$tmp/mon.keyring"
    [ -s "$DIR/mon.a/keyring" ] || die "ceph-mon --mkfs failed, see $DIR/log/mon.a.log"
    start_daemon mon.a
    mkdir -p "$DIR/mgr.x"
    adm auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
        -o "$DIR/mgr.x/keyring"
    local uuid id secret
    uuid=$(uuidgen)
    secret=$(ceph-authtool --gen-print-key)
    # `osd new` with the secret registers osd.0 and its cephx key in one step.
    id=$(echo "{\"cephx_secret\": \"$secret\"}" | adm osd new "$uuid" -i -)
    [ "$id" = 0 ] || die "expected OSD id 0, got '$id'"
    mkdir -p "$DIR/osd.0"
    ceph-authtool --create-keyring "$DIR/osd.0/keyring" --name osd.0 --add-key "$secret" >/dev/null
    ceph-osd --conf "$DCONF" -i 0 --mkfs --osd-uuid "$uuid" >"$DIR/log/osd.0.mkfs.log" 2>&1 ||
        die "ceph-osd --mkfs failed, see $DIR/log/osd.0.mkfs.log"
    rm -rf "$tmp"
    touch "$DIR/.bootstrapped"
}

start_daemon() {
    local name=$1 type=${1%%.*} id=${1#*.}
    if [ -n "$(daemon_pid "$name")" ]; then
        log "$name already running (pid $(daemon_pid "$name"))"
        return
    fi
    # Daemons fork into the background; their pid file says where they went.
    "ceph-$type" --conf "$DCONF" -i "$id" >>"$DIR/log/$name.stdout" 2>&1 ||
        die "ceph-$type -i $id failed, see $DIR/log/$name.log"
    log "started $name"
}

# Pool, applications and the client keyrings a CSM management node has; each step only when missing.
provision() {
    if ! adm osd pool ls | grep -qx kube; then
        adm osd pool create kube 8 8 >/dev/null 2>&1
        adm osd pool application enable kube rbd >/dev/null 2>&1
        rbd --conf "$DCONF" --name client.admin --keyring "$ETC/ceph.client.admin.keyring" pool init kube
        log "created pool kube (application rbd)"
    fi
    local name caps
    # kube: what ceph-csi and the procedure's `rbd map --id kube` need. admin-tools: broad, as the
    # admin (its exact CSM capabilities are not in the upstream material).
    for name in kube admin-tools; do
        [ -s "$ETC/ceph.client.$name.keyring" ] && continue
        if [ "$name" = kube ]; then
            caps=(mon 'profile rbd' osd 'profile rbd pool=kube' mgr 'profile rbd pool=kube')
        else
            caps=(mon 'allow *' osd 'allow *' mgr 'allow *')
        fi
        adm auth get-or-create "client.$name" "${caps[@]}" -o "$ETC/ceph.client.$name.keyring"
    done
    chmod 0600 "$ETC"/*.keyring
}

wait_healthy() {
    local start=$SECONDS health=""
    while [ $((SECONDS - start)) -lt "$TIMEOUT" ]; do
        health=$(adm health 2>/dev/null || true)
        # Also wait for every PG to be active+clean, so the first client write does not stall.
        if [[ $health == HEALTH_OK* ]] && adm pg stat 2>/dev/null | grep -Eq '^([0-9]+) pgs: \1 active\+clean;'; then
            log "health: $health, all PGs active+clean"
            return 0
        fi
        sleep 1
    done
    adm health detail >&2 || true
    die "not HEALTH_OK after ${TIMEOUT}s (last: ${health:-no answer}); logs in $DIR/log"
}

cmd_start() {
    install_packages
    local t0=$SECONDS
    if [ -e "$DIR/.bootstrapped" ] && [ -n "$(daemon_pid mon.a)" ] && [ -n "$(daemon_pid osd.0)" ]; then
        log "cluster in $DIR is running"
    else
        # memstore keeps objects in RAM only: a stopped OSD lost them, so a cluster that is not
        # running is rebuilt from scratch (new fsid and keys). Only our own layout is removed.
        if [ -e "$DCONF" ]; then
            cmd_stop
            rm -rf "${DIR:?}/etc" "$DIR/run" "$DIR/log" "$DIR/mon.a" "$DIR/mgr.x" "$DIR/osd.0" \
                "$DIR/bootstrap" "$DIR/crash" "$DCONF" "$DIR/.bootstrapped"
        elif [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then
            die "$DIR exists, is not empty and is not a test bed Ceph directory: pick another DATA_DIR"
        fi
        bootstrap
    fi
    start_daemon mgr.x
    start_daemon osd.0
    provision
    wait_healthy
    log "ready in $((SECONDS - t0))s"
    cmd_where
}

cmd_where() {
    echo "ceph.conf (clients):  $ETC/ceph.conf"
    echo "keyrings:             $ETC/ceph.client.admin.keyring $ETC/ceph.client.admin-tools.keyring $ETC/ceph.client.kube.keyring"
    echo "admin CLI:            ceph --conf $DCONF --keyring $ETC/ceph.client.admin.keyring -s"
    echo "                      (or: eval \"\$($0 env $DIR)\"; ceph -s)"
}

cmd_stop() {
    local name pid pids=()
    for name in osd.0 mgr.x mon.a; do
        pid=$(daemon_pid "$name")
        [ -n "$pid" ] || continue
        kill -TERM "$pid" && pids+=("$pid") && log "stopping $name (pid $pid)"
    done
    for _ in $(seq 1 100); do
        local alive=0
        for pid in "${pids[@]}"; do
            if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
                alive=1
            fi
        done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
            log "pid $pid did not stop in 10s: killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -f "$DIR"/run/*.pid
    log "stopped"
}

cmd_status() {
    local name pid rc=0
    for name in mon.a mgr.x osd.0; do
        pid=$(daemon_pid "$name")
        if [ -n "$pid" ]; then
            echo "$name: running (pid $pid, $(awk '/VmRSS/ {print int($2/1024)" MB"}' /proc/"$pid"/status))"
        else
            echo "$name: stopped"; rc=1
        fi
    done
    [ -n "$(daemon_pid mon.a)" ] || return 1
    adm -s || rc=1
    adm health | grep -q '^HEALTH_OK' || rc=1
    return $rc
}

case $CMD in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env)
        [ -s "$DCONF" ] || die "no cluster in $DIR; run: $0 start $DIR"
        echo "export CEPH_ARGS=\"--conf $DCONF --keyring $ETC/ceph.client.admin.keyring\""
        ;;
    *) echo "usage: $0 start|stop|status|env [DATA_DIR]" >&2; exit 2 ;;
esac
