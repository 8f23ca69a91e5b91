#!/usr/bin/env bash
# The real OpenStack Ironic, plus a Redfish BMC emulator for it to drive, on
# loopback for capm3's tests. Everything comes from PyPI into a venv; nothing
# is installed system-wide. See docs/real-ironic.md.
#
#   scripts/real-ironic.sh install   venv with ironic + sushy-tools (skips when present)
#   scripts/real-ironic.sh start     write configs, start both, wait until they answer
#   scripts/real-ironic.sh stop      stop both (fine when already stopped)
#   scripts/real-ironic.sh status    say what runs; exit 0 only when both answer
#   scripts/real-ironic.sh env       KEY=value lines the tests read
#
# Environment: IRONIC_PORT (6385), SUSHY_PORT (8000), CAPM3_CACHE (keep the venv
# there instead of under target/), REAL_IRONIC_START_TIMEOUT (seconds, 120),
# REAL_IRONIC_PYTHON (interpreter for the venv; default: the first Python >= 3.11).
set -euo pipefail

IRONIC_VERSION=39.0.0
SUSHY_TOOLS_VERSION=2.2.0

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Configs, database, logs and PIDs live with the build output: `cargo clean`
# removes them and two worktrees never share them.
RUN_DIR=$ROOT/target/real-ironic
# The venv is the slow part (~30 s cold), so CI or several worktrees may share one.
if [[ -n ${CAPM3_CACHE:-} ]]; then
    VENV=$CAPM3_CACHE/real-ironic/venv
else
    VENV=$RUN_DIR/venv
fi
# Every transitive dependency pinned too: a new release of some oslo library
# on PyPI must not change the Ironic our tests run against.
CONSTRAINTS=$ROOT/scripts/real-ironic-constraints.txt
STAMP=$VENV/capm3-real-ironic.stamp

# Loopback only: nothing in the tests may send traffic off this machine.
HOST=127.0.0.1
IRONIC_PORT=${IRONIC_PORT:-6385}
SUSHY_PORT=${SUSHY_PORT:-8000}
IRONIC_ENDPOINT=http://$HOST:$IRONIC_PORT
SUSHY_ENDPOINT=http://$HOST:$SUSHY_PORT
START_TIMEOUT=${REAL_IRONIC_START_TIMEOUT:-120}

# The emulator's fake BMCs: "uuid mac". Stable, so tests can name them; the
# MACs are locally administered (02:...) so they can never clash with real NICs.
FAKE_SYSTEMS=(
    "9a0c1f3e-5b7d-4e21-8c4a-000000000000 02:00:00:ca:03:00"
    "9a0c1f3e-5b7d-4e21-8c4a-000000000001 02:00:00:ca:03:01"
    "9a0c1f3e-5b7d-4e21-8c4a-000000000002 02:00:00:ca:03:02"
    "9a0c1f3e-5b7d-4e21-8c4a-000000000003 02:00:00:ca:03:03"
)

log() { echo "real-ironic: $*" >&2; }
die() {
    log "error: $*"
    exit 1
}

# ---------------------------------------------------------------- install

find_python() {
    local candidate
    for candidate in ${REAL_IRONIC_PYTHON:-} python3.11 python3.12 python3.13 python3; do
        # Ironic 39.0.0 requires Python >= 3.11.
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    die "no Python >= 3.11 found (set REAL_IRONIC_PYTHON)"
}

# What the stamp says once an install has finished: the pins and the
# constraints they were installed with. A different stamp means reinstall.
expected_stamp() {
    echo "ironic==$IRONIC_VERSION sushy-tools==$SUSHY_TOOLS_VERSION"
    cat "$CONSTRAINTS"
}

installed() {
    [[ -x $VENV/bin/python && -f $STAMP ]] || return 1
    [[ "$(cat "$STAMP")" == "$(expected_stamp)" ]] || return 1
    # The stamp could outlive a damaged venv; ask the packages themselves.
    "$VENV/bin/python" - "$IRONIC_VERSION" "$SUSHY_TOOLS_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(version("ironic") != sys.argv[1] or version("sushy-tools") != sys.argv[2])
PY
}

cmd_install() {
    if installed; then
        log "ironic $IRONIC_VERSION and sushy-tools $SUSHY_TOOLS_VERSION already installed in $VENV"
        return
    fi
    local python
    python=$(find_python)
    log "installing ironic $IRONIC_VERSION and sushy-tools $SUSHY_TOOLS_VERSION into $VENV ($("$python" --version))"
    # A half-built or other-version venv: start over rather than patch it.
    rm -rf "${VENV:?}"
    mkdir -p "$(dirname "$VENV")"
    local pip=("$VENV/bin/pip")
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
        # Debian's python3 without the python3-venv package has no ensurepip, so
        # the venv gets no pip of its own; the interpreter's pip installs into it.
        log "no ensurepip in $python; using its pip for a pip-less venv"
        rm -rf "${VENV:?}"
        "$python" -m venv --without-pip "$VENV"
        pip=("$python" -m pip --python "$VENV/bin/python")
    fi
    "${pip[@]}" install --quiet --disable-pip-version-check --no-input \
        --constraint "$CONSTRAINTS" \
        "ironic==$IRONIC_VERSION" "sushy-tools==$SUSHY_TOOLS_VERSION"
    # Written last, so an interrupted install is redone next time.
    expected_stamp >"$STAMP"
    log "installed"
}

# ---------------------------------------------------------------- processes

pid_file() { echo "$RUN_DIR/$1.pid"; }

# The PID of a service we started and that still runs, or nothing. Checks the
# command line too, so a PID the kernel reused for something else is not ours.
running_pid() {
    local file pid
    file=$(pid_file "$1")
    [[ -f $file ]] || return 1
    pid=$(<"$file")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ -r /proc/$pid/cmdline ]]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$VENV/bin/" || return 1
    fi
    echo "$pid"
}

# Start a service in its own session, so `stop` can end it together with the
# worker processes it forks (Ironic's launcher forks one) by its process group,
# and so a Ctrl-C meant for `make` does not hit it halfway through a test run.
spawn() {
    local name=$1
    shift
    "$VENV/bin/python" -c 'import os, sys; os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' "$@" \
        </dev/null >"$RUN_DIR/$name.log" 2>&1 &
    echo $! >"$(pid_file "$name")"
}

# SIGTERM to both at once (Ironic's launcher takes a few seconds to wind
# down), SIGKILL to whatever still runs 20 s later.
stop_all() {
    local name pid i entry waiting=() still
    for name in ironic sushy; do
        if pid=$(running_pid "$name"); then
            # The PID leads its own process group (see spawn): signal the group.
            kill -TERM -- "-$pid" 2>/dev/null || true
            waiting+=("$name:$pid")
        fi
    done
    for ((i = 0; i < 100 && ${#waiting[@]} > 0; i++)); do
        still=()
        for entry in "${waiting[@]}"; do
            if kill -0 -- "-${entry#*:}" 2>/dev/null; then
                still+=("$entry")
            else
                log "stopped ${entry%%:*} (pid ${entry#*:})"
            fi
        done
        waiting=("${still[@]+"${still[@]}"}")
        ((${#waiting[@]} == 0)) || sleep 0.2
    done
    for entry in "${waiting[@]+"${waiting[@]}"}"; do
        log "${entry%%:*} (pid ${entry#*:}) ignored SIGTERM for 20 s; killing it"
        kill -KILL -- "-${entry#*:}" 2>/dev/null || true
    done
    rm -f "$(pid_file ironic)" "$(pid_file sushy)"
}

port_in_use() {
    # bash's /dev/tcp: no curl or ss needed on a bare machine.
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# ---------------------------------------------------------------- configuration

write_ironic_conf() {
    local boot_dirs="$RUN_DIR/boot"
    mkdir -p "$boot_dirs/http" "$boot_dirs/tftp" "$boot_dirs/master" "$boot_dirs/images" \
        "$RUN_DIR/tmp" "$RUN_DIR/locks"
    cat >"$RUN_DIR/ironic.conf" <<EOF
# Written by scripts/real-ironic.sh start; edits are overwritten.
[DEFAULT]
host = capm3-real-ironic
my_ip = $HOST
# No Keystone, no message bus: API and conductor share one process.
auth_strategy = noauth
rpc_transport = none
use_stderr = true
tempdir = $RUN_DIR/tmp
# No ipmi: it needs the ipmitool binary, and without it the conductor worker
# crash-loops. fake-hardware walks the whole lifecycle in seconds; redfish
# drives the sushy emulator.
enabled_hardware_types = fake-hardware,redfish
enabled_bios_interfaces = fake,redfish,no-bios
enabled_boot_interfaces = fake,ipxe,pxe,http,http-ipxe,redfish-virtual-media,redfish-https
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake,direct,ramdisk,custom-agent
enabled_firmware_interfaces = fake,redfish,no-firmware
enabled_inspect_interfaces = fake,redfish,agent,no-inspect
enabled_management_interfaces = fake,redfish,noop
# noop only: flat and neutron talk to Neutron.
enabled_network_interfaces = noop
default_network_interface = noop
enabled_power_interfaces = fake,redfish
enabled_raid_interfaces = fake,redfish,agent,no-raid
enabled_rescue_interfaces = fake,agent,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,redfish,no-vendor

[api]
host_ip = $HOST
port = $IRONIC_PORT

[database]
connection = sqlite:///$RUN_DIR/ironic.sqlite

[dhcp]
dhcp_provider = none

[deploy]
# With pxe/ipxe/http boot enabled these directories must exist and be
# writable, or boot interfaces fail to load. Nothing serves http_url: no
# machine really network-boots here.
http_root = $boot_dirs/http
http_url = http://$HOST:$IRONIC_PORT/unused

[pxe]
tftp_root = $boot_dirs/tftp
tftp_master_path = $boot_dirs/master
images_path = $boot_dirs/images
instance_master_path = $boot_dirs/master

[redfish]
# Virtual media images stay on this machine.
use_swift = false

[oslo_concurrency]
lock_path = $RUN_DIR/locks
EOF
}

write_sushy_conf() {
    local systems="" entry uuid mac i=0
    for entry in "${FAKE_SYSTEMS[@]}"; do
        read -r uuid mac <<<"$entry"
        systems+="    {'uuid': '$uuid', 'name': 'fake-$i', 'power_state': 'On',
     'nics': [{'mac': '$mac'}], 'external_notifier': False},
"
        i=$((i + 1))
    done
    cat >"$RUN_DIR/sushy.conf" <<EOF
# Written by scripts/real-ironic.sh start; edits are overwritten. (Python.)
SUSHY_EMULATOR_LISTEN_IP = '$HOST'
SUSHY_EMULATOR_LISTEN_PORT = $SUSHY_PORT
# In-memory BMCs instead of libvirt or Nova: nothing to install.
SUSHY_EMULATOR_FAKE_DRIVER = True
# Per run, not the shared /tmp/sushy-emulator default: every start begins from
# the systems below.
SUSHY_EMULATOR_STATE_DIR = '$RUN_DIR/sushy-state'
# external_notifier False on each system: nobody to tell; and should it ever
# be on, the URL stays on loopback.
EXTERNAL_NOTIFICATION_URL = 'http://$HOST:9'
SUSHY_EMULATOR_FAKE_SYSTEMS = [
$systems]
EOF
}

# ---------------------------------------------------------------- readiness

# Empty output and exit 0 when Ironic and the emulator are ready; otherwise
# what is missing. Python from the venv does the HTTP: curl is not guaranteed.
probe() {
    "$VENV/bin/python" - "$IRONIC_ENDPOINT" "$SUSHY_ENDPOINT" "${#FAKE_SYSTEMS[@]}" <<'PY'
import json, sys, urllib.request

ironic, sushy, systems = sys.argv[1], sys.argv[2], int(sys.argv[3])

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return json.load(r)
    except Exception as e:
        sys.exit(f"GET {url}: {e}")

version = get(ironic + "/v1").get("version", {}).get("version")
if not version:
    sys.exit(f"GET {ironic}/v1: no API version yet")
drivers = {d["name"] for d in get(ironic + "/v1/drivers")["drivers"]}
missing = {"fake-hardware", "redfish"} - drivers
if missing:
    sys.exit(f"GET {ironic}/v1/drivers: {sorted(missing)} not listed (yet), got {sorted(drivers)}")
members = get(sushy + "/redfish/v1/Systems").get("Members", [])
if len(members) != systems:
    sys.exit(f"GET {sushy}/redfish/v1/Systems: {len(members)} systems, expected {systems}")
PY
}

show_logs() {
    local name
    for name in ironic sushy; do
        if [[ -f $RUN_DIR/$name.log ]]; then
            log "last lines of $RUN_DIR/$name.log:"
            tail -n 30 "$RUN_DIR/$name.log" >&2
        fi
    done
}

fail_start() {
    log "error: $*"
    show_logs
    stop_all
    exit 1
}

# ---------------------------------------------------------------- commands

cmd_start() {
    installed || die "not installed: run scripts/real-ironic.sh install first"
    if running_pid ironic >/dev/null && running_pid sushy >/dev/null && probe >/dev/null 2>&1; then
        log "already running"
        return
    fi
    # Half of it running (a crash, an interrupted start): start both afresh.
    stop_all
    local port
    for port in "$IRONIC_PORT" "$SUSHY_PORT"; do
        # Someone else's server on our port would answer our readiness checks.
        if port_in_use "$port"; then
            die "port $port on $HOST is already in use (another run? set IRONIC_PORT / SUSHY_PORT)"
        fi
    done

    local started=$SECONDS
    mkdir -p "$RUN_DIR"
    # Every start begins empty: no nodes or BMC state left from earlier runs.
    rm -rf "$RUN_DIR/ironic.sqlite" "$RUN_DIR/sushy-state" "$RUN_DIR/boot" "$RUN_DIR/tmp"
    write_ironic_conf
    write_sushy_conf
    "$VENV/bin/ironic-dbsync" --config-file "$RUN_DIR/ironic.conf" create_schema \
        >"$RUN_DIR/dbsync.log" 2>&1 ||
        {
            tail -n 30 "$RUN_DIR/dbsync.log" >&2
            die "ironic-dbsync create_schema failed (log: $RUN_DIR/dbsync.log)"
        }

    spawn ironic "$VENV/bin/ironic" --config-file "$RUN_DIR/ironic.conf"
    spawn sushy "$VENV/bin/sushy-emulator" --config "$RUN_DIR/sushy.conf"

    local why name
    until why=$(probe 2>&1); do
        for name in ironic sushy; do
            running_pid "$name" >/dev/null || fail_start "$name exited while starting (log: $RUN_DIR/$name.log)"
        done
        if ((SECONDS - started >= START_TIMEOUT)); then
            fail_start "not ready after ${START_TIMEOUT}s: $why"
        fi
        sleep 0.5
    done
    log "ironic at $IRONIC_ENDPOINT (pid $(<"$(pid_file ironic)")), sushy-emulator at $SUSHY_ENDPOINT (pid $(<"$(pid_file sushy)")), ready in $((SECONDS - started))s; logs in $RUN_DIR"
}

cmd_stop() {
    stop_all
}

cmd_status() {
    local name pid all=0
    for name in ironic sushy; do
        if pid=$(running_pid "$name"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: stopped"
            all=1
        fi
    done
    if ((all == 0)); then
        local why
        if why=$(probe 2>&1); then
            echo "ready: $IRONIC_ENDPOINT $SUSHY_ENDPOINT"
        else
            echo "not ready: $why"
            all=1
        fi
    fi
    return "$all"
}

cmd_env() {
    local ids="" macs="" entry uuid mac
    for entry in "${FAKE_SYSTEMS[@]}"; do
        read -r uuid mac <<<"$entry"
        ids+=${ids:+,}$uuid
        macs+=${macs:+,}$mac
    done
    echo "IRONIC_ENDPOINT=$IRONIC_ENDPOINT"
    echo "SUSHY_ENDPOINT=$SUSHY_ENDPOINT"
    # Redfish system IDs (/redfish/v1/Systems/<id>) and each one's NIC MAC, same order.
    echo "SUSHY_SYSTEMS=$ids"
    echo "SUSHY_SYSTEM_MACS=$macs"
}

case ${1:-} in
install) cmd_install ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
