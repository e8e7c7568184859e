# Shared helpers of the integration tests. Each test sources this file, starts
# the real peers it needs on loopback (snmpd, snmpsimd, rrdcached) on ports
# of its own, and everything it started is stopped when it exits. Every wait
# is bounded in count and time. Exit 77 = skipped (a peer is not installed).

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${NOCD:=$top_builddir/daemon/nocd}"
: "${NOCCTL:=$top_builddir/daemon/nocctl}"

T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "/tmp/nocd-test-$T_NAME-XXXXXX")
chmod 755 "$T_DIR"
T_PIDS=""
T_FAILED=0
T_CHECKS=0

# Started as root, nocd drops to this user: it must exist and reach T_DIR.
if [ "$(id -u)" = 0 ]; then T_USER=nobody; else T_USER=$(id -un); fi

cleanup() {
	# what a sanitizer said about any program of the test goes into the test's log
	for _c_f in "$T_DIR"/*.log; do
		[ -f "$_c_f" ] && grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|: runtime error: ' "$_c_f" &&
			{ echo "--- sanitizer report in $_c_f"; cat "$_c_f"; }
	done
	for p in $T_PIDS; do kill "$p" 2>/dev/null; done
	for _c_p in $T_PIDS; do
		_c_i=0
		while kill -0 "$_c_p" 2>/dev/null && [ $_c_i -lt 50 ]; do sleep 0.1; _c_i=$((_c_i + 1)); done
		kill -9 "$_c_p" 2>/dev/null
	done
	if [ "${KEEP_TEST_DIR:-}" = "" ] && [ $T_FAILED = 0 ]; then rm -rf "$T_DIR"; fi
}
trap cleanup EXIT

log() { printf '%s: %s\n' "$T_NAME" "$*"; }
skip() { log "SKIP: $*"; exit 77; }
die() { log "FAIL: $*"; T_FAILED=1; show_logs; exit 1; }
show_logs() {
	for f in "$T_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "--- $f (last 30 lines)"
		tail -n 30 "$f"
	done
}

# check DESCRIPTION COMMAND...: a failed check is recorded, the test goes on.
check() {
	desc=$1; shift
	T_CHECKS=$((T_CHECKS + 1))
	if "$@"; then log "ok: $desc"; else log "FAIL: $desc"; T_FAILED=1; fi
}

finish() {
	if [ $T_FAILED != 0 ]; then show_logs; log "FAILED ($T_CHECKS checks)"; exit 1; fi
	log "all $T_CHECKS checks passed"
	exit 0
}

need() {
	for _n_c in "$@"; do command -v "$_n_c" >/dev/null 2>&1 || skip "$_n_c is not installed"; done
}

# A free UDP/TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
t = socket.socket(); p = s.getsockname()[1]
try:
    t.bind(("127.0.0.1", p))
except OSError:
    s.close(); s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
print(p)'
}

# wait_for SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds.
wait_for() {
	_wf_n=$(($1 * 5)); shift
	_wf_i=0
	while [ $_wf_i -lt $_wf_n ]; do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
		_wf_i=$((_wf_i + 1))
	done
	return 1
}

bg() {
	# bg LOGNAME COMMAND...: run in the background, remember the pid.
	name=$1; shift
	"$@" >"$T_DIR/$name.log" 2>&1 &
	T_PIDS="$T_PIDS $!"
	LAST_PID=$!
}

# start_snmpd PORT [EXTRA_CONF_LINES]: a real Net-SNMP agent for this
# machine on 127.0.0.1:PORT with community "public" and v3 users:
#   auth256 (SHA-256/AES-128), auth512 (SHA-512/AES-256), md5des-free noauth user.
start_snmpd() {
	port=$1; extra=${2:-}
	need snmpd
	d="$T_DIR/snmpd-$port"
	mkdir -p "$d"
	cat >"$d/snmpd.conf" <<EOF
agentaddress udp:127.0.0.1:$port
rocommunity public 127.0.0.1
createUser auth256 SHA-256 auth256-pass AES auth256-priv
createUser auth512 SHA-512 auth512-pass AES-256 auth512-priv
createUser noauth
rouser auth256 priv
rouser auth512 priv
rouser noauth noauth
sysLocation Test rack
sysContact nocd tests
sysName snmpd-$port
$extra
EOF
	SNMP_PERSISTENT_DIR="$d/persist" bg "snmpd-$port" snmpd -f -Lo -C -c "$d/snmpd.conf" \
	    -p "$d/pid" -I -smux,mteTrigger,mteTriggerConf
	SNMPD_PID=$LAST_PID
	wait_for 10 snmpget -v2c -c public -t 0.5 -r 0 "127.0.0.1:$port" .1.3.6.1.2.1.1.5.0 ||
		die "snmpd on $port did not start"
}

# start_snmpsim DATADIR PORT: snmpsimd serving DATADIR's *.snmprec
# (community = file name) on 127.0.0.1:PORT.
start_snmpsim() {
	datadir=$1; port=$2
	need snmpsimd
	d="$T_DIR/snmpsim-$port"
	mkdir -p "$d/cache"
	chmod 777 "$d/cache"
	set -- --data-dir="$datadir" --agent-udpv4-endpoint="127.0.0.1:$port" \
	    --cache-dir="$d/cache" --logging-method=null
	if [ "$(id -u)" = 0 ]; then
		set -- "$@" --process-user=nobody --process-group=nogroup
	fi
	bg "snmpsim-$port" snmpsimd "$@"
	SNMPSIM_PID=$LAST_PID
	first=$(ls "$datadir"/*.snmprec | head -n 1)
	community=$(basename "$first" .snmprec)
	wait_for 30 snmpget -v2c -c "$community" -t 1 -r 0 "127.0.0.1:$port" .1.3.6.1.2.1.1.1.0 ||
		die "snmpsimd on $port did not start"
}

# write_conf FILE: a config for a test; the devices list comes on stdin
# (the lines inside `devices = ( ... );`).
write_conf() {
	f=$1
	{
		cat <<EOF
state_dir = "$T_DIR/state";
user = "$T_USER";
poll = { interval = ${POLL_INTERVAL:-5}; timeout_ms = ${POLL_TIMEOUT_MS:-500}; retries = ${POLL_RETRIES:-0}; };
rrd = { rrdcached = "${RRDCACHED:-}"; ${RRD_WRITE_CACHE:+write_cache = $RRD_WRITE_CACHE;} };
listen = { trap = [ ${TRAP_LISTEN:-} ]; syslog = [ ${SYSLOG_LISTEN:-} ]; relp = [ ]; http = [ ]; };
trap = { catalog = "$top_srcdir/mibs/traps.conf"; ${TRAP_EXTRA:-} };
syslog = { rules = "$top_srcdir/mibs/syslog-rules.conf"; ${SYSLOG_EXTRA:-} };
mibdirs = [ "$T_DIR/nomibs" ];
probedirs = [ "${PROBEDIR:-$top_srcdir/probes}" ];
vendor_catalog = "$top_srcdir/mibs/enterprises.txt";
devices = (
EOF
		cat
		echo ");"
	} >"$f"
	mkdir -p "$T_DIR/nomibs"
}

# start_nocd CONF: nocd in the foreground, waits for its control socket.
start_nocd() {
	conf=$1
	bg nocd "$NOCD" -f -v -c "$conf"
	NOCD_PID=$LAST_PID
	wait_for 10 "$NOCCTL" -c "$conf" ping || die "nocd did not start"
}

stop_nocd() {
	kill "$NOCD_PID" 2>/dev/null
	_s_i=0
	while kill -0 "$NOCD_PID" 2>/dev/null && [ $_s_i -lt 100 ]; do sleep 0.1; _s_i=$((_s_i + 1)); done
	! kill -0 "$NOCD_PID" 2>/dev/null
}

# device_field CONF NAME FIELD: one field of `nocctl devices --json`.
device_field() {
	"$NOCCTL" -c "$1" devices --json | python3 -c '
import json, sys
name, field = sys.argv[1], sys.argv[2]
for d in json.load(sys.stdin):
    if d["name"] == name:
        v = d.get(field)
        print("" if v is None else v)
' "$2" "$3"
}

# status_is CONF NAME STATUS
status_is() { [ "$(device_field "$1" "$2" status)" = "$3" ]; }

# metric_value CONF DEVICE METRIC INSTANCE: last_value from `device show --json`.
metric_value() {
	"$NOCCTL" -c "$1" device show "$2" --json | python3 -c '
import json, sys
metric, inst = sys.argv[1], sys.argv[2]
for m in json.load(sys.stdin).get("metrics", []):
    if m["metric"] == metric and (inst == "" or m["instance"] == inst):
        v = m.get("last_value")
        print("" if v is None else v)
        break
' "$3" "$4"
}

is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# storm_tickets CONF RULE: "device:instance:state:count" for each ticket of a
# storm rule (trap_storm, syslog_storm).
storm_tickets() {
	"$NOCCTL" -c "$1" tickets list --state all --json | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin) if t["rule"] == sys.argv[1]]
print(" ".join("%s:%s:%s:%d" % (x["device"], x["instance"], x["state"], x["count"]) for x in t))
' "$2"
}

# storm_resolved CONF RULE: a ticket of the storm rule is resolved.
storm_resolved() {
	case "$(storm_tickets "$1" "$2")" in *:resolved:*) return 0 ;; esac
	return 1
}

# one_storm_ticket CONF RULE DEVICE MIN MAX: exactly one ticket of the storm
# rule, on DEVICE, resolved, its count between MIN and MAX.
one_storm_ticket() {
	_st=$(storm_tickets "$1" "$2")
	[ "$(echo "$_st" | wc -w)" -eq 1 ] || return 1
	[ "${_st%%:*}" = "$3" ] || return 1
	case "$_st" in *:resolved:*) ;; *) return 1 ;; esac
	[ "${_st##*:}" -ge "$4" ] && [ "${_st##*:}" -le "$5" ]
}
