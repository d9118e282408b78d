#!/usr/bin/env bash
# cluster/local.sh: a multi-node Ray cluster on this one machine, for trying
# `sweeps run --address ...` (and node-loss handling) without a cloud account.
#
#   bash cluster/local.sh up [N]      start a head node and N worker nodes (default N=2)
#   bash cluster/local.sh status      what is running, and `ray status`
#   bash cluster/local.sh env         print the exports a client needs (eval "$(... env)")
#   bash cluster/local.sh down        stop what `up` started (by PID); keeps the logs
#   bash cluster/local.sh down --purge   ... and delete the state folder
#
# Each node is a separate `ray start --block` process with its own raylet, started
# in its own session (setsid), so `down` can stop exactly the processes it started:
# it signals the PIDs recorded at `up`, then their process groups. It never runs
# `ray stop`, which would stop every Ray on the machine, yours and other users'.
#
# Token authentication is on by default (RAY_AUTH_MODE=token on every node). The
# token lives in a file (default: $SWEEPS_LOCAL_CLUSTER_DIR/auth_token, mode 600),
# generated at `up` if missing and deleted at `down` if `up` generated it. Clients
# pass it with RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=<that file>; `up` and `env`
# print the exact lines. The script never reads or writes ~/.ray/auth_token: if that
# file exists, every later `ray start --head` and `ray.init()` on this machine turns
# token auth on, which would surprise other local Ray runs.
#
# Environment knobs (defaults in brackets):
#   SWEEPS_LOCAL_CLUSTER_DIR    state folder: PIDs, logs, token, Ray temp dir [/tmp/sweeps-local-cluster]
#   RAY                         the ray executable [`ray` on PATH]
#   SWEEPS_LOCAL_HEAD_PORT      GCS port of the head, i.e. the address port; keep it outside
#                               Ray's worker port range 10002-19999 [26379]
#   SWEEPS_LOCAL_CLIENT_PORT    Ray Client server port (ray://HOST:PORT) [20001]
#   SWEEPS_LOCAL_AGENT_PORT     dashboard agent HTTP port of the head; worker i uses +i.
#                               Ray's default (52365) is fixed, so nodes on one machine
#                               must each get their own [52501]
#   SWEEPS_LOCAL_CPUS           CPUs each node advertises [1]
#   SWEEPS_LOCAL_OBJECT_STORE_BYTES  object store size per node [Ray's default]
#   SWEEPS_LOCAL_DASHBOARD      true: also start the dashboard, bound to 127.0.0.1 [false]
#   SWEEPS_LOCAL_DASHBOARD_PORT dashboard port when it is on [8265]
#   SWEEPS_LOCAL_TEMP_DIR       Ray --temp-dir of every node; keep it short, Unix socket
#                               paths under it must stay below 107 bytes [$SWEEPS_LOCAL_CLUSTER_DIR/ray]
#   SWEEPS_LOCAL_AUTH           token | disabled [token]
#   SWEEPS_LOCAL_TOKEN_FILE     token file to use; created (64 hex chars) if missing
#                               [$SWEEPS_LOCAL_CLUSTER_DIR/auth_token]
#   SWEEPS_LOCAL_START_TIMEOUT  seconds to wait for each node to start [90]
#   SWEEPS_LOCAL_DRAIN_S        on `down`, how long a node lets running tasks finish before
#                               it stops them (RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S, read
#                               at `up`; Ray's own default is 30) [5]
#   SWEEPS_LOCAL_STOP_TIMEOUT   seconds `down` waits for the nodes before SIGKILL [SWEEPS_LOCAL_DRAIN_S + 20]
set -euo pipefail

STATE_DIR="${SWEEPS_LOCAL_CLUSTER_DIR:-/tmp/sweeps-local-cluster}"
RAY_BIN="${RAY:-ray}"
HEAD_PORT="${SWEEPS_LOCAL_HEAD_PORT:-26379}"
CLIENT_PORT="${SWEEPS_LOCAL_CLIENT_PORT:-20001}"
AGENT_PORT="${SWEEPS_LOCAL_AGENT_PORT:-52501}"
CPUS="${SWEEPS_LOCAL_CPUS:-1}"
OBJECT_STORE_BYTES="${SWEEPS_LOCAL_OBJECT_STORE_BYTES:-}"
DASHBOARD="${SWEEPS_LOCAL_DASHBOARD:-false}"
DASHBOARD_PORT="${SWEEPS_LOCAL_DASHBOARD_PORT:-8265}"
AUTH="${SWEEPS_LOCAL_AUTH:-token}"
START_TIMEOUT="${SWEEPS_LOCAL_START_TIMEOUT:-90}"
DRAIN_S="${SWEEPS_LOCAL_DRAIN_S:-5}"
STOP_TIMEOUT="${SWEEPS_LOCAL_STOP_TIMEOUT:-}"   # default set in check_knobs

PROG="cluster/local.sh"

die() { echo "$PROG: $*" >&2; exit 1; }
note() { echo "$PROG: $*" >&2; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

check_knobs() {
    local name value
    is_uint "$DRAIN_S" || die "SWEEPS_LOCAL_DRAIN_S must be a whole number of seconds, got '$DRAIN_S'"
    STOP_TIMEOUT="${STOP_TIMEOUT:-$(( DRAIN_S + 20 ))}"
    for name in HEAD_PORT CLIENT_PORT AGENT_PORT DASHBOARD_PORT START_TIMEOUT STOP_TIMEOUT DRAIN_S; do
        value="${!name}"
        is_uint "$value" || die "SWEEPS_LOCAL_$name must be a whole number, got '$value'"
    done
    [[ "$CPUS" =~ ^[0-9]+$ ]] || die "SWEEPS_LOCAL_CPUS must be a whole number, got '$CPUS'"
    if [[ -n "$OBJECT_STORE_BYTES" ]] && ! is_uint "$OBJECT_STORE_BYTES"; then
        die "SWEEPS_LOCAL_OBJECT_STORE_BYTES must be a number of bytes, got '$OBJECT_STORE_BYTES'"
    fi
    case "$AUTH" in token|disabled) ;; *) die "SWEEPS_LOCAL_AUTH must be token or disabled, got '$AUTH'";; esac
    case "$DASHBOARD" in true|false) ;; *) die "SWEEPS_LOCAL_DASHBOARD must be true or false, got '$DASHBOARD'";; esac
    if (( HEAD_PORT >= 10002 && HEAD_PORT <= 19999 )); then
        die "SWEEPS_LOCAL_HEAD_PORT=$HEAD_PORT is inside Ray's worker port range 10002-19999; Ray refuses it (try 26379)"
    fi
}

# Absolute paths: the nodes run from other working directories. Only `up` creates
# the state folder (private: it holds the token).
init_paths() {
    local create="$1"
    [[ "$STATE_DIR" == /* ]] || STATE_DIR="$PWD/$STATE_DIR"
    if [[ "$create" == true ]]; then
        mkdir -p "$STATE_DIR"
        chmod 700 "$STATE_DIR"
    fi
    if [[ -d "$STATE_DIR" ]]; then STATE_DIR="$(cd "$STATE_DIR" && pwd -P)"; fi
    LOG_DIR="$STATE_DIR/logs"
    PIDS_FILE="$STATE_DIR/pids"
    ENV_FILE="$STATE_DIR/cluster.env"
    TEMP_DIR="${SWEEPS_LOCAL_TEMP_DIR:-$STATE_DIR/ray}"
    [[ "$TEMP_DIR" == /* ]] || TEMP_DIR="$PWD/$TEMP_DIR"
    TOKEN_FILE="${SWEEPS_LOCAL_TOKEN_FILE:-$STATE_DIR/auth_token}"
    [[ "$TOKEN_FILE" == /* ]] || TOKEN_FILE="$PWD/$TOKEN_FILE"
    GENERATED_MARK="$STATE_DIR/.token_generated"
}

find_ray() {
    command -v "$RAY_BIN" >/dev/null 2>&1 \
        || die "cannot find '$RAY_BIN'; activate the environment with Ray or set RAY=/path/to/ray"
    RAY_BIN="$(command -v "$RAY_BIN")"
}

# The environment of every Ray process this script starts or calls.
ray_env() {
    export RAY_USAGE_STATS_ENABLED=0 RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="$DRAIN_S"
    unset RAY_ADDRESS RAY_AUTH_TOKEN
    if [[ "$AUTH" == token ]]; then
        export RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH="$TOKEN_FILE"
    else
        # Explicit, so an existing ~/.ray/auth_token does not switch auth on for the head only.
        export RAY_AUTH_MODE=disabled
        unset RAY_AUTH_TOKEN_PATH
    fi
}

ensure_token() {
    [[ "$AUTH" == token ]] || return 0
    if [[ -s "$TOKEN_FILE" ]]; then
        return 0
    fi
    mkdir -p "$(dirname "$TOKEN_FILE")"
    # 32 random bytes as 64 hex characters, the same shape as `ray get-auth-token --generate`,
    # written here instead of ~/.ray/auth_token (see the header).
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$TOKEN_FILE")
    [[ -s "$TOKEN_FILE" ]] || die "could not write a token to $TOKEN_FILE"
    : > "$GENERATED_MARK"
    note "generated a new auth token in $TOKEN_FILE"
}

# --- process bookkeeping ------------------------------------------------------
# pids file: one line per node, "NAME PID", head first. Each PID leads its own
# process group (setsid), so PGID == PID.

pid_alive() { kill -0 "$1" 2>/dev/null; }

# True when PID is still the `ray start` we launched (guards against PID reuse).
pid_is_ours() {
    local pid="$1" cmd
    [[ -r "/proc/$pid/cmdline" ]] || { pid_alive "$pid"; return; }   # no /proc (macOS): trust the PID
    cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmd" == *"ray"*"start"* && "$cmd" == *"--temp-dir=$TEMP_DIR"* ]]
}

group_members() {
    # Live PIDs in process group $1 (zombies left out: they are dead, only not reaped yet).
    local p
    for p in $(pgrep -g "$1" 2>/dev/null || true); do
        if [[ "$p" != "$$" ]] && is_live "$p"; then echo "$p"; fi
    done
}

read_pids() {
    NODE_NAMES=(); NODE_PIDS=()
    [[ -f "$PIDS_FILE" ]] || return 0
    local name pid
    while read -r name pid; do
        [[ -n "${name:-}" && -n "${pid:-}" ]] || continue
        NODE_NAMES+=("$name"); NODE_PIDS+=("$pid")
    done < "$PIDS_FILE"
}

# 0: every recorded node runs; 1: some do; 2: none do (or nothing recorded).
cluster_state() {
    read_pids
    local alive=0 i
    for i in "${!NODE_PIDS[@]}"; do
        if pid_is_ours "${NODE_PIDS[$i]}"; then alive=$((alive + 1)); fi
    done
    if (( ${#NODE_PIDS[@]} > 0 && alive == ${#NODE_PIDS[@]} )); then return 0; fi
    if (( alive > 0 )); then return 1; fi
    return 2
}

# PIDs of every live descendant of $1 (Ray's worker processes make their own process
# groups, so the group alone does not find them).
descendants() {
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$child"
        descendants "$child"
    done
}

is_live() {
    local st
    if [[ ! -d /proc/self ]]; then kill -0 "$1" 2>/dev/null; return; fi   # no /proc (macOS)
    st="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)"
    [[ "$st" != Z && "$st" != X ]]
}

# Stop the recorded nodes: SIGTERM to each `ray start --block` (it drains and stops its
# own processes), workers before the head; then SIGKILL whatever is left of what they
# started: their process groups and the descendants seen before the stop. Never
# touches any other process.
stop_nodes() {
    read_pids
    local i pid deadline leftovers tree=()
    (( ${#NODE_PIDS[@]} > 0 )) || return 0
    for pid in "${NODE_PIDS[@]}"; do
        if pid_is_ours "$pid"; then
            # shellcheck disable=SC2207
            tree+=($(descendants "$pid"))
        fi
    done
    for (( i = ${#NODE_PIDS[@]} - 1; i >= 0; i-- )); do
        pid="${NODE_PIDS[$i]}"
        if pid_is_ours "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    deadline=$(( SECONDS + STOP_TIMEOUT ))
    for pid in "${NODE_PIDS[@]}"; do
        while pid_is_ours "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
    done
    leftovers=()
    for pid in "${NODE_PIDS[@]}"; do
        # shellcheck disable=SC2207
        leftovers+=($(group_members "$pid"))
    done
    for pid in "${tree[@]}"; do
        if is_live "$pid"; then leftovers+=("$pid"); fi
    done
    if (( ${#leftovers[@]} > 0 )); then
        note "killing leftover processes: ${leftovers[*]}"
        for pid in "${NODE_PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
        kill -KILL "${leftovers[@]}" 2>/dev/null || true
        deadline=$(( SECONDS + 10 ))
        for pid in "${leftovers[@]}"; do
            while is_live "$pid" && (( SECONDS < deadline )); do sleep 0.2; done
        done
    fi
}

# --- commands -----------------------------------------------------------------

# ADDRESS, AUTH_MODE and TOKEN_FILE come from $ENV_FILE, written by `up`.
# shellcheck disable=SC2153
print_client_env() {
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    echo "export RAY_ADDRESS=$ADDRESS"
    if [[ "$AUTH_MODE" == token ]]; then
        echo "export RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=$TOKEN_FILE"
    else
        echo "export RAY_AUTH_MODE=disabled"
    fi
}

# Start one node in the background as its own session; echo its PID.
launch_node() {
    local name="$1"; shift
    setsid "$RAY_BIN" start --block --log-style=record --disable-usage-stats \
        --num-cpus="$CPUS" --temp-dir="$TEMP_DIR" \
        ${OBJECT_STORE_BYTES:+--object-store-memory="$OBJECT_STORE_BYTES"} \
        "$@" > "$LOG_DIR/$name.log" 2>&1 < /dev/null &
    echo "$!"
}

# Wait for "Ray runtime started." in a node's log; fail if the process dies first.
wait_started() {
    local name="$1" pid="$2" deadline=$(( SECONDS + START_TIMEOUT ))
    while (( SECONDS < deadline )); do
        if grep -q "Ray runtime started" "$LOG_DIR/$name.log" 2>/dev/null; then return 0; fi
        if ! pid_alive "$pid"; then
            note "$name exited while starting; the end of $LOG_DIR/$name.log:"
            tail -n 25 "$LOG_DIR/$name.log" >&2 || true
            return 1
        fi
        sleep 0.25
    done
    note "$name did not start within ${START_TIMEOUT}s (SWEEPS_LOCAL_START_TIMEOUT); the end of its log:"
    tail -n 25 "$LOG_DIR/$name.log" >&2 || true
    return 1
}

# Something already listens on TCP port $1 of this machine.
port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

cmd_up() {
    local workers="${1:-2}" i
    is_uint "$workers" || die "up takes a number of worker nodes, got '$workers'"
    find_ray
    command -v setsid >/dev/null 2>&1 || die "setsid (util-linux) is needed to give each node its own process group"

    local state=0
    cluster_state || state=$?
    if (( state == 0 )); then
        # shellcheck disable=SC1090
        source "$ENV_FILE"
        echo "The local cluster is already up: head + $NUM_WORKERS workers at $ADDRESS (state in $STATE_DIR)."
        echo "Stop it first (bash $PROG down) to start it with other settings."
        print_client_env
        return 0
    fi
    if (( state == 1 )); then
        note "some nodes of the previous cluster are gone; stopping the rest before starting again"
        stop_nodes
    fi
    rm -f "$PIDS_FILE" "$ENV_FILE"

    # Ray retries a taken port for about 40 s before it gives up; say so at once.
    local port ports=("$HEAD_PORT" "$CLIENT_PORT")
    for (( i = 0; i <= workers; i++ )); do ports+=($(( AGENT_PORT + i ))); done
    if [[ "$DASHBOARD" == true ]]; then ports+=("$DASHBOARD_PORT"); fi
    for port in "${ports[@]}"; do
        if port_taken "$port"; then
            die "port $port is already in use (another Ray?); pick others with SWEEPS_LOCAL_HEAD_PORT, SWEEPS_LOCAL_CLIENT_PORT, SWEEPS_LOCAL_AGENT_PORT (see the top of $PROG)"
        fi
    done

    mkdir -p "$LOG_DIR" "$TEMP_DIR"
    ensure_token
    ray_env
    if [[ "$AUTH" == disabled ]]; then
        note "WARNING: token auth is off: anyone who can reach port $HEAD_PORT on this machine can run code as $(id -un)"
    fi

    # Any failure from here on stops what was started.
    trap 'note "start failed; stopping what was started"; stop_nodes; rm -f "$PIDS_FILE" "$ENV_FILE"' ERR

    local head_args=(--head --port="$HEAD_PORT" --ray-client-server-port="$CLIENT_PORT"
                     --dashboard-agent-listen-port="$AGENT_PORT")
    if [[ "$DASHBOARD" == true ]]; then
        head_args+=(--include-dashboard=true --dashboard-host=127.0.0.1 --dashboard-port="$DASHBOARD_PORT")
    else
        head_args+=(--include-dashboard=false)
    fi
    local pid
    pid="$(launch_node head "${head_args[@]}")"
    echo "head $pid" > "$PIDS_FILE"
    wait_started head "$pid"

    # The head prints the address workers should join; it is this machine's IP even
    # when 127.0.0.1 is asked for.
    local address
    address="$(grep -oE "ray start --address='[^']+'" "$LOG_DIR/head.log" | head -n 1 | sed -E "s/.*'(.*)'/\1/")"
    [[ -n "$address" ]] || { note "could not read the head's address from $LOG_DIR/head.log"; false; }

    # One at a time: nodes started together in one session folder race for the same
    # socket and log names (raylet.1), and one of them never registers.
    for (( i = 1; i <= workers; i++ )); do
        pid="$(launch_node "worker-$i" --address="$address" --dashboard-agent-listen-port=$(( AGENT_PORT + i )))"
        echo "worker-$i $pid" >> "$PIDS_FILE"
        wait_started "worker-$i" "$pid"
    done
    trap - ERR

    cat > "$ENV_FILE" <<EOF
ADDRESS=$address
NUM_WORKERS=$workers
AUTH_MODE=$AUTH
TOKEN_FILE=$TOKEN_FILE
TEMP_DIR=$TEMP_DIR
CLIENT_PORT=$CLIENT_PORT
DASHBOARD=$DASHBOARD
DASHBOARD_PORT=$DASHBOARD_PORT
EOF
    local host="${address%:*}"
    echo "Local Ray cluster up: head + $workers workers, $CPUS CPU(s) each, auth: $AUTH."
    echo "  address:   $address        (sweeps run SPEC --address $address)"
    echo "  client:    ray://$host:$CLIENT_PORT"
    if [[ "$DASHBOARD" == true ]]; then echo "  dashboard: http://127.0.0.1:$DASHBOARD_PORT"; fi
    echo "  state:     $STATE_DIR  (logs in $LOG_DIR and $TEMP_DIR/session_latest/logs)"
    if [[ "$AUTH" == token ]]; then
        echo "  token:     $TOKEN_FILE  (clients read it through RAY_AUTH_TOKEN_PATH; keep it private)"
    fi
    echo "A client (sweeps, ray.init, ray status) needs:"
    print_client_env | sed 's/^/  /'
    echo "or: eval \"\$(bash $PROG env)\""
    echo "Stop it with: bash $PROG down"
}

cmd_status() {
    local state=0
    cluster_state || state=$?
    if (( state == 2 )); then
        echo "The local cluster is down (state folder: $STATE_DIR)."
        return 3
    fi
    local i
    for i in "${!NODE_PIDS[@]}"; do
        if pid_is_ours "${NODE_PIDS[$i]}"; then
            echo "${NODE_NAMES[$i]}: running (pid ${NODE_PIDS[$i]})"
        else
            echo "${NODE_NAMES[$i]}: NOT running (was pid ${NODE_PIDS[$i]}; see $LOG_DIR/${NODE_NAMES[$i]}.log)"
        fi
    done
    if [[ -f "$ENV_FILE" ]]; then
        # shellcheck disable=SC1090
        source "$ENV_FILE"
        AUTH="$AUTH_MODE"
        echo "address: $ADDRESS   auth: $AUTH_MODE   state: $STATE_DIR"
        find_ray
        ray_env
        echo "ray status (the autoscaler's view; it refreshes every few seconds):"
        # Bounded: with the head gone, ray status would retry for a long time.
        if command -v timeout >/dev/null 2>&1; then
            timeout 30 "$RAY_BIN" status --address="$ADDRESS" || note "ray status failed"
        else
            "$RAY_BIN" status --address="$ADDRESS" || note "ray status failed"
        fi
    fi
    if (( state == 1 )); then
        echo "Some nodes are gone: bash $PROG down, then up again."
        return 1
    fi
    return 0
}

cmd_env() {
    [[ -f "$ENV_FILE" ]] || die "the local cluster is not up (no $ENV_FILE); run: bash $PROG up"
    print_client_env
}

cmd_down() {
    local purge=false
    case "${1:-}" in
        "") ;;
        --purge) purge=true ;;
        *) die "down takes only --purge, got '$1'" ;;
    esac
    local state=0
    cluster_state || state=$?
    if (( ${#NODE_PIDS[@]} == 0 )); then
        echo "The local cluster is not running (nothing recorded in $STATE_DIR)."
    else
        stop_nodes
        echo "Stopped ${#NODE_PIDS[@]} node(s): ${NODE_NAMES[*]}."
    fi
    rm -f "$PIDS_FILE" "$ENV_FILE"
    if [[ -f "$GENERATED_MARK" ]]; then
        # A token this script made dies with the cluster; the next `up` makes a new one.
        rm -f "$TOKEN_FILE" "$GENERATED_MARK"
    fi
    if [[ "$purge" == true ]]; then
        rm -rf "$LOG_DIR" "$TEMP_DIR"
        if [[ -d "$STATE_DIR" ]]; then
            rmdir "$STATE_DIR" 2>/dev/null || note "left $STATE_DIR in place: it holds files this script did not make"
        fi
    else
        echo "Logs kept in $LOG_DIR and $TEMP_DIR (bash $PROG down --purge removes them)."
    fi
}

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

main() {
    local cmd="${1:-}"
    [[ $# -gt 0 ]] && shift
    case "$cmd" in
        up|status|env|down) ;;
        -h|--help|help) usage; return 0 ;;
        *) usage >&2; return 2 ;;
    esac
    check_knobs
    if [[ "$cmd" == up ]]; then init_paths true; else init_paths false; fi
    case "$cmd" in
        up) [[ $# -le 1 ]] || die "up takes at most one argument (the number of workers)"; cmd_up "$@" ;;
        status) cmd_status ;;
        env) cmd_env ;;
        down) cmd_down "$@" ;;
    esac
}

main "$@"
