#!/bin/sh
# Device classes, rules and the ticket queue end to end, against snmpsimd
# recordings: a UPS on battery, an environment station too warm with a leak,
# a storage array nearly full, a switch with a failed fan, a gateway that
# dies with a child behind it and a device in maintenance. Tickets appear
# once, after their trigger counts, with the right category and severity;
# they recover; the lifecycle commands work; nothing is duplicated across a
# SIGKILL of nocd; the inventory export carries the real serials.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3

PA=$(free_port)
PB=$(free_port)
a="$T_DIR/data-a"
b="$T_DIR/data-b"
mkdir -p "$a" "$b"
cp "$top_srcdir/etc/demo/data/ups-onbattery.snmprec" "$top_srcdir/etc/demo/data/storage.snmprec" \
    "$top_srcdir/etc/demo/data/router.snmprec" "$a/"
cp "$top_srcdir/tests/integration/data/env-alarm.snmprec" \
    "$top_srcdir/tests/integration/data/switch-fanfail.snmprec" "$a/"
cp "$top_srcdir/etc/demo/data/core-switch.snmprec" "$b/gw.snmprec"
cp "$top_srcdir/etc/demo/data/access-switch.snmprec" "$b/leaf.snmprec"
cp "$top_srcdir/etc/demo/data/server.snmprec" "$b/maint.snmprec"
start_snmpsim "$a" "$PA"
start_snmpsim "$b" "$PB"
SIM_B=$SNMPSIM_PID

conf="$T_DIR/nocd.conf"
{
	echo "  { name = \"ups\"; address = \"127.0.0.1\"; port = $PA; community = \"ups-onbattery\"; },"
	echo "  { name = \"env\"; address = \"127.0.0.1\"; port = $PA; community = \"env-alarm\"; },"
	echo "  { name = \"array\"; address = \"127.0.0.1\"; port = $PA; community = \"storage\"; },"
	echo "  { name = \"sw\"; address = \"127.0.0.1\"; port = $PA; community = \"switch-fanfail\"; },"
	echo "  { name = \"mx\"; address = \"127.0.0.1\"; port = $PA; community = \"router\"; },"
	echo "  { name = \"gw\"; address = \"127.0.0.1\"; port = $PB; community = \"gw\"; },"
	echo "  { name = \"leaf\"; address = \"127.0.0.1\"; port = $PB; community = \"leaf\"; parent = \"gw\"; },"
	echo "  { name = \"maint\"; address = \"127.0.0.1\"; port = $PB; community = \"maint\"; group = \"lab\"; }"
} | POLL_INTERVAL=5 POLL_TIMEOUT_MS=400 POLL_RETRIES=0 write_conf "$conf"
# an operator's override of a shipped rule: the leak is a major here
{
	echo 'tickets = { flap_window = 5; };'
	echo 'rules = ( { name = "water_leak"; metric = "sensor.value"; where_column = "type";'
	echo '            where_in = [ 12 ]; instances = "leak|water"; equal = 1.0; count = 2;'
	echo '            severity = "major"; category = "environment";'
	echo '            message = "{device} {label}: water under the floor"; } );'
} >>"$conf"
"$NOCD" -n -c "$conf" >/dev/null || die "config refused"
start_nocd "$conf"

C() { "$NOCCTL" -c "$conf" "$@"; }
# ticket FIELD RULE DEVICE: a field of the latest ticket of the problem
ticket() {
	C tickets list --state all --json | python3 -c '
import json, sys
field, rule, dev = sys.argv[1:4]
hits = [t for t in json.load(sys.stdin) if t["rule"] == rule and t["device"] == dev]
hits.sort(key=lambda t: t["id"])
print(hits[-1][field] if hits else "")' "$1" "$2" "$3"
}
n_tickets() {
	C tickets list --state all --json | python3 -c '
import json, sys
rule, dev = sys.argv[1:3]
print(len([t for t in json.load(sys.stdin) if t["rule"] == rule and t["device"] == dev]))' "$1" "$2"
}
has_ticket() { [ -n "$(ticket id "$1" "$2")" ]; }
no_ticket() { [ -z "$(ticket id "$1" "$2")" ]; }
field_is() { [ "$(ticket "$1" "$2" "$3")" = "$4" ]; }
title_has() { ticket title "$1" "$2" | grep -q -- "$3"; }
class_is() { [ "$(device_field "$conf" "$1" class)" = "$2" ]; }
count_is() { [ "$(n_tickets "$1" "$2")" = "$3" ]; }

# classes chosen from what the devices answer
for dc in ups:ups env:envstation array:storage sw:switch mx:router gw:switch maint:server; do
	wait_for 30 class_is "${dc%%:*}" "${dc#*:}"
	check "${dc%%:*} is a ${dc#*:}" class_is "${dc%%:*}" "${dc#*:}"
done

wait_for 30 has_ticket ups_on_battery ups
check "UPS on battery: critical" field_is severity ups_on_battery ups critical
check "UPS on battery: power" field_is category ups_on_battery ups power
wait_for 30 has_ticket room_temp_high env
check "room too warm: major" field_is severity room_temp_high env major
check "room too warm: environment" field_is category room_temp_high env environment
check "the ticket names the sensor and its value" title_has room_temp_high env \
    "Room temp rack A: temperature 38.50 C"
wait_for 30 has_ticket water_leak env
check "leak: the operator's override applies (major)" field_is severity water_leak env major
check "no door ticket (the contact reads false)" no_ticket door_open env
check "no smoke ticket" no_ticket smoke env
wait_for 30 has_ticket netapp_vol_full array
check "volume nearly full: capacity" field_is category netapp_vol_full array capacity
check "volume nearly full: the right volume" title_has netapp_vol_full array vol_vmware
wait_for 30 has_ticket cisco_fan_state sw
check "failed fan: critical" field_is severity cisco_fan_state sw critical
check "failed fan: one ticket, for fan 2" title_has cisco_fan_state sw "Fan#2"
check "healthy router: no hardware ticket" no_ticket jnx_component_state mx

# one ticket per problem however many polls saw it
sleep 11
check "repeated polls raise no second UPS ticket" count_is ups_on_battery ups 1
check "repeated polls raise no second fan ticket" count_is cisco_fan_state sw 1

# maintenance suppresses; the parent's ticket takes its children's
C maintenance add --group lab --end +1h --reason "rack move" >/dev/null || die "maintenance add"
check "maintenance window listed" sh -c "\"$NOCCTL\" -c \"$conf\" maintenance list | grep -q 'rack move'"
kill "$SIM_B"
wait_for 30 has_ticket device_unreachable gw
sleep 11
check "gateway unreachable: critical" field_is severity device_unreachable gw critical
check "gateway unreachable: availability" field_is category device_unreachable gw availability
# leaf is polled before gw in each cycle: its raise waited for gw's
check "child behind it: no ticket of its own, not even for a moment" no_ticket device_unreachable leaf
gw_id=$(ticket id device_unreachable gw)
linked() {
	C tickets show "$gw_id" --json | python3 -c '
import json, sys
t = json.load(sys.stdin)
sys.exit(0 if t["linked"] >= 1 and any(l["device"] == "leaf" for l in t["linked_problems"]) else 1)'
}
check "the parent's ticket lists the child" linked
check "device in maintenance: suppressed" no_ticket device_unreachable maint
poll_event() { C events list --source poll --since 1h --json | python3 -c '
import json, sys
sys.exit(0 if any(e["type"] == "device_unreachable" and e["device"] == "gw"
                  for e in json.load(sys.stdin)) else 1)'; }
check "the outage is an event too (source poll)" poll_event

# a crash loses and duplicates nothing
total() { C tickets list --state all --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
before=$(total)
kill -KILL "$NOCD_PID"
sleep 1
start_nocd "$conf"
sleep 11
after=$(total)
check "after SIGKILL and restart: the same tickets ($before)" [ "$before" = "$after" ]
check "and no new occurrence counted" field_is count ups_on_battery ups 1
links() { C tickets show "$gw_id" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["linked"])'; }
check "the child is linked once, not again after the restart" [ "$(links)" = 1 ]

# recovery: the gateway comes back, its ticket resolves by itself
start_snmpsim "$b" "$PB"
wait_for 40 field_is state device_unreachable gw resolved
check "gateway back: ticket auto-resolved" field_is state device_unreachable gw resolved
check "its history says so" sh -c "\"$NOCCTL\" -c \"$conf\" tickets show $gw_id | grep -q auto-resolved"

# the lifecycle
id=$(ticket id water_leak env)
check "ack" C tickets ack "$id" --by duty1 --note "sent someone"
check "a second ack is refused" sh -c "! \"$NOCCTL\" -c \"$conf\" tickets ack $id 2>/dev/null"
check "assign" C tickets assign "$id" --to li.wei
check "close before resolve is refused" sh -c "! \"$NOCCTL\" -c \"$conf\" tickets close $id 2>/dev/null"
check "resolve" C tickets resolve "$id" --note "pipe fixed"
check "close" C tickets close "$id"
check "state closed" field_is state water_leak env closed
check "assignee kept" field_is assignee water_leak env li.wei
steps() { C tickets show "$id" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))'; }
check "history has every step" [ "$(steps)" -ge 5 ]
"$NOCCTL" -c "$conf" tickets ack 99999 2>/dev/null
check "unknown ticket: exit 1" [ $? = 1 ]
"$NOCCTL" -c "$conf" tickets ack 2>/dev/null
check "usage error: exit 2" [ $? = 2 ]
C tickets stats --json >"$T_DIR/stats.json" || die "tickets stats"
check "stats: counts, mean times, top devices" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["total"] >= 6 and s["by_category"]["power"] >= 1 and s["by_severity"]["critical"] >= 2
assert s["mtta_s"] is not None and s["mttr_s"] is not None and s["top_devices"]' "$T_DIR/stats.json"

# inventory with the real serials, assets alongside
C asset set sw --warranty-end 2027-01-31 --asset-tag A-0042 --owner "Room A" || die "asset set"
C inventory export --format csv >"$T_DIR/inv.csv" || die "inventory export"
check "export carries the chassis serial" grep -q '^"sw","switch",.*"FOC2145X0AB"' "$T_DIR/inv.csv"
check "export carries the asset fields" grep -q '"2027-01-31","","A-0042","Room A"' "$T_DIR/inv.csv"
check "a device without ENTITY-MIB is one row" grep -q '^"ups","ups"' "$T_DIR/inv.csv"
only_ups() {
	C inventory export --format json --class ups | python3 -c '
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if r and all(x["class"] == "ups" for x in r) else 1)'
}
check "json export filters by class" only_ups
# asset import: RFC 4180 CSV with quotes; a bad line is named, the others applied
printf 'device,asset_tag,owner,warranty_end\r\n"ups","A-7","Ops, Room ""A""",2030-01-01\r\narray,A-8,Storage,2030-02-30x\r\n' \
    >"$T_DIR/assets.csv"
"$NOCCTL" -c "$conf" asset import "$T_DIR/assets.csv" >"$T_DIR/import.out" 2>&1; rc=$?
check "asset import with a bad line exits 1" [ $rc = 1 ]
check "the bad line is named" grep -q 'assets.csv:3: warranty_end must be a date' "$T_DIR/import.out"
C inventory export --format json --device ups >"$T_DIR/ups.json"
check "the good line is applied, quotes and commas intact" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["asset_tag"] == "A-7" and r["owner"] == "Ops, Room \"A\"" and r["warranty_end"] == "2030-01-01", r' "$T_DIR/ups.json"

wait_for 40 has_ticket warranty_ending sw
check "warranty ending within 90 days: a ticket" has_ticket warranty_ending sw

finish
