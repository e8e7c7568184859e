#!/bin/sh
# Polling a real snmpd: v1, v2c, v3 (SHA-256/AES-128, SHA-512/AES-256,
# noAuthNoPriv); wrong key and unknown user are down with their reason; an
# address where nothing answers is down with a timeout and does not delay
# the others; metrics, vendor, RRD files and graphs.
. "$top_srcdir/tests/lib.sh"
need snmpd snmpget python3 rrdtool

P=$(free_port)
DEAD=$(free_port)
Q=$(free_port)
start_snmpd "$P"
# Net-SNMP keeps one USM user per (engine ID, name) in the process: the wrong
# key is tried against a second agent with an engine ID of its own.
start_snmpd "$Q" "exactEngineID 0x80001f88040a0b0c0d0e0f"

conf="$T_DIR/nocd.conf"
RRD_WRITE_CACHE=0 POLL_INTERVAL=5 POLL_TIMEOUT_MS=400 write_conf "$conf" <<EOF
  { name = "v2c"; address = "127.0.0.1"; port = $P; community = "public"; },
  { name = "v1"; address = "127.0.0.1"; port = $P; version = "1"; community = "public"; },
  { name = "v3-sha256"; address = "127.0.0.1"; port = $P; version = "3"; user = "auth256";
    level = "authPriv"; auth = "SHA-256"; auth_key = "auth256-pass"; priv = "AES";
    priv_key = "auth256-priv"; },
  { name = "v3-sha512"; address = "127.0.0.1"; port = $P; version = "3"; user = "auth512";
    level = "authPriv"; auth = "SHA-512"; auth_key = "auth512-pass"; priv = "AES-256";
    priv_key = "auth512-priv"; },
  { name = "v3-noauth"; address = "127.0.0.1"; port = $P; version = "3"; user = "noauth";
    level = "noAuthNoPriv"; },
  { name = "wrong-key"; address = "127.0.0.1"; port = $Q; version = "3"; user = "auth256";
    level = "authPriv"; auth = "SHA-256"; auth_key = "not-the-key"; priv = "AES";
    priv_key = "auth256-priv"; },
  { name = "no-user"; address = "127.0.0.1"; port = $P; version = "3"; user = "ghost";
    level = "authNoPriv"; auth = "SHA-256"; auth_key = "ghost-pass"; },
  { name = "wrong-community"; address = "127.0.0.1"; port = $P; community = "nope"; },
  { name = "dead"; address = "127.0.0.1"; port = $DEAD; community = "public";
    timeout_ms = 3000; retries = 2; }
EOF
start_nocd "$conf"

show() { "$NOCCTL" -c "$conf" device show "$1" --json; }
has_metric() { show "$1" | grep -q "\"$2\""; }
reason_has() { device_field "$conf" "$1" status_reason | grep -q "$2"; }
polls() { show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["polls"])'; }
rrd_has_data() {
	f=$(ls "$T_DIR"/state/rrd/v2c/interface/*.rrd 2>/dev/null | head -n 1)
	[ -n "$f" ] && rrdtool fetch "$f" AVERAGE -s -120 | grep -q '[0-9]e[+-]'
}

for d in v2c v1 v3-sha256 v3-sha512 v3-noauth; do
	wait_for 20 status_is "$conf" $d up
	check "$d is up" status_is "$conf" $d up
done
check "sys_name read" [ "$(device_field "$conf" v3-sha512 sys_name)" = "snmpd-$P" ]
check "vendor from the enterprise catalog" [ "$(device_field "$conf" v2c vendor)" = "Net-SNMP" ]

wait_for 20 status_is "$conf" wrong-key down
log "wrong-key: $(device_field "$conf" wrong-key status_reason)"
check "wrong key is down with an authentication failure" reason_has wrong-key 'authentication failure'
wait_for 20 status_is "$conf" no-user down
check "unknown user is down with its reason" reason_has no-user 'unknown user'
wait_for 20 status_is "$conf" wrong-community down
check "wrong community is down with a timeout" reason_has wrong-community timeout
wait_for 20 status_is "$conf" dead down
check "dead address is down (timeout or port unreachable)" reason_has dead "timeout\\|refused\\|unreachable"

# interface rates need two polls
wait_for 30 has_metric v2c interface.in_bits
check "interface rates stored" has_metric v2c interface.in_bits
check "interface status stored" has_metric v2c interface.oper_status
# (snmpd publishes hrProcessorLoad only after a minute: processors are checked on snmpsim)
check "memory stored" has_metric v3-sha256 memory.used_pct
check "load average stored" has_metric v3-sha256 load.load1
check "storage stored" has_metric v3-sha256 storage.used_pct
check "text output of device show" sh -c "'$NOCCTL' -c '$conf' device show v2c | grep -q 'snmpd-$P'"

# the dead device (3 tries of 3 s) never delays the healthy ones: they keep their 5 s cadence
a=$(polls v2c); sleep 16; b=$(polls v2c)
check "healthy device polled on schedule beside a dead one ($a -> $b in 16 s)" [ $((b - a)) -ge 3 ]

# RRD files and graphs
n=$(find "$T_DIR/state/rrd/v2c/interface" -name '*.rrd' | wc -l)
check "one RRD file per interface ($n)" [ "$n" -ge 1 ]
wait_for 20 rrd_has_data
check "RRD holds values" rrd_has_data
"$NOCCTL" -c "$conf" graph v2c interface --start -10min -o "$T_DIR/if.png" 2>>"$T_DIR/graph.log"
check "graph PNG" is_png "$T_DIR/if.png"
"$NOCCTL" -c "$conf" graph v3-sha256 memory --start -1h -o "$T_DIR/cpu.svg" 2>>"$T_DIR/graph.log"
check "graph SVG" grep -q "<svg" "$T_DIR/cpu.svg"
"$NOCCTL" -c "$conf" graph v2c interface.nosuch -o "$T_DIR/x.png" 2>/dev/null
check "unknown metric is an error (exit 1)" [ $? = 1 ]
check "stats answer" sh -c "'$NOCCTL' -c '$conf' stats | grep -q polls_ok"

check "no MIB-loading noise from Net-SNMP" sh -c "! grep -qi 'cannot find module\|mib search path\|cannot adopt' '$T_DIR/nocd.log'"
check "nocd stops cleanly on SIGTERM" stop_nocd
check "no crash in the log" sh -c "! grep -qi 'sanitizer\|segfault\|runtime error' '$T_DIR/nocd.log'"
finish
