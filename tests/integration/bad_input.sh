#!/bin/sh
# A hostile or broken agent: values of the wrong type, absurd values, missing
# columns, an oversized table, HTML and path traversal in its strings. It is
# counted and logged, gets an error status, nothing crashes, nothing is
# written outside state_dir, and a good device beside it keeps its schedule.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpd snmpget python3

P=$(free_port)
S=$(free_port)
mkdir -p "$T_DIR/data"
cp "$top_srcdir/tests/integration/data/bad-agent.snmprec" "$T_DIR/data/"
start_snmpsim "$T_DIR/data" "$P"
start_snmpd "$S"

conf="$T_DIR/nocd.conf"
# max_rows 100: the bad agent's 120-row processor table is absurd
POLL_INTERVAL=5 POLL_TIMEOUT_MS=2000 write_conf "$conf" <<EOF
  { name = "bad"; address = "127.0.0.1"; port = $P; community = "bad-agent"; },
  { name = "good"; address = "127.0.0.1"; port = $S; community = "public"; }
EOF
sed -i 's/^poll = {/poll = { max_rows = 100;/' "$conf"
touch "$T_DIR/stamp"
start_nocd "$conf"

show() { "$NOCCTL" -c "$conf" device show "$1" --json; }
polls() { show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["polls"])'; }
polls_at_least() { [ "$(polls "$1")" -ge "$2" ]; }
stat() { "$NOCCTL" -c "$conf" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["poller"][sys.argv[1]])' "$1"; }
reason_set() { [ -n "$(device_field "$conf" bad status_reason)" ]; }

wait_for 30 polls_at_least bad 2
check "bad agent polled" polls_at_least bad 2
reason=$(device_field "$conf" bad status_reason)
log "bad agent status: $(device_field "$conf" bad status): $reason"
check "bad agent has an error status" reason_set
check "bad values counted" [ "$(stat bad_values)" -gt 0 ]
check "bad values logged" grep -q 'bad: .*bad values' "$T_DIR/nocd.log"
check "oversized table reported" grep -q 'max_rows\|larger than' "$T_DIR/nocd.log"
check "rows beyond max_rows not stored" sh -c "[ \$(find '$T_DIR/state/rrd/bad/cpu' -name '*.rrd' 2>/dev/null | wc -l) -le 100 ]"

# the absurd ifOperStatus 99 is refused, the string where a counter belongs too
check "absurd state not stored" sh -c "! '$NOCCTL' -c '$conf' device show bad --json | python3 -c '
import json, sys
for m in json.load(sys.stdin)[\"metrics\"]:
    if m[\"metric\"] == \"interface.oper_status\" and m.get(\"last_value\") == 99: sys.exit(0)
sys.exit(1)'"

# hostile strings: stored as text, never as paths
check "sysName with ../ is kept as text" [ "$(device_field "$conf" bad sys_name)" = "../../etc/passwd" ]
check "sysDescr with HTML is kept as text" sh -c "'$NOCCTL' -c '$conf' devices --json | grep -q 'script>alert'"
outside=$(find "$T_DIR" -newer "$T_DIR/stamp" -type f ! -path "$T_DIR/state/*" ! -path "$T_DIR/snmp*" \
    ! -name '*.log' ! -name nocd.conf | head -n 5)
check "nothing written outside state_dir ($outside)" [ -z "$outside" ]
bad_names=$(find "$T_DIR/state/rrd" -name '*..*' -o -name '*%*' | head -n 3)
check "no RRD file name with .. or % ($bad_names)" [ -z "$bad_names" ]

# garbage sensors: no value, no ticket, the hostile duplicate names stay text
sensor_instances() { show bad | python3 -c '
import json, sys
print(sorted({m["instance"] for m in json.load(sys.stdin)["metrics"] if m["metric"].startswith("sensor.")}))'; }
wait_for 20 sh -c "'$NOCCTL' -c '$conf' device show bad --json | grep -q '\"sensor.type\"'"
log "bad sensors: $(sensor_instances)"
check "duplicate sensor names kept apart" sh -c "'$NOCCTL' -c '$conf' device show bad --json | grep -q '\.\./\.\./x#2'"
no_sensor_value() { show bad | python3 -c '
import json, sys
v = [m["last_value"] for m in json.load(sys.stdin)["metrics"]
     if m["metric"] == "sensor.value" and m.get("last_value") is not None]
sys.exit(0 if not v else 1)'; }
check "garbage sensor values are unknown, not numbers" no_sensor_value
check "no temperature ticket from garbage" sh -c "! '$NOCCTL' -c '$conf' tickets list --json | grep -q room_temp"

# the good device kept its 5 s schedule beside the bad one
a=$(polls good); sleep 11; b=$(polls good)
check "good device on schedule ($a -> $b in 11 s)" [ $((b - a)) -ge 2 ]
check "good device up" status_is "$conf" good up
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
check "no sanitizer report" sh -c "! grep -qi 'sanitizer\|runtime error' '$T_DIR/nocd.log'"
finish
