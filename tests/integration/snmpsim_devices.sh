#!/bin/sh
# Simulated devices on snmpsimd: the demo server room's recordings (every
# device class, moving counters, an access switch with 32-bit counters only)
# and real device walks that ship with Debian's snmpsim.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3 rrdtool

P=$(free_port)
data="$T_DIR/data"
mkdir -p "$data"
cp "$top_srcdir"/etc/demo/data/*.snmprec "$data/"
# Real recordings of a Linux server and a Windows XP host (snmpsim's examples).
real=/usr/share/doc/snmpsim/examples/data/recorded
reals=""
for r in linux-full-walk winxp-full-walk; do
	if [ -f "$real/$r.snmprec.gz" ]; then
		gzip -dc "$real/$r.snmprec.gz" >"$data/$r.snmprec"
		reals="$reals $r"
	elif [ -f "$real/$r.snmprec" ]; then
		cp "$real/$r.snmprec" "$data/"
		reals="$reals $r"
	fi
done
[ -n "$reals" ] || log "note: snmpsim's recorded examples are not installed"

start_snmpsim "$data" "$P"
conf="$T_DIR/nocd.conf"
devices=""
{
	sep=""
	for f in "$data"/*.snmprec; do
		n=$(basename "$f" .snmprec)
		echo "$sep { name = \"$n\"; address = \"127.0.0.1\"; port = $P; community = \"$n\"; }"
		sep=","
	done
} | POLL_INTERVAL=10 POLL_TIMEOUT_MS=3000 POLL_RETRIES=1 write_conf "$conf"
start_nocd "$conf"

show() { "$NOCCTL" -c "$conf" device show "$1" --json; }
has_metric() { show "$1" | grep -q "\"$2\""; }
vendor_is() { [ "$(device_field "$conf" "$1" vendor)" = "$2" ]; }
# value_max DEVICE METRIC: the largest last_value of a metric over instances
value_max() { show "$1" | python3 -c '
import json, sys
v = [m["last_value"] for m in json.load(sys.stdin)["metrics"]
     if m["metric"] == sys.argv[1] and m.get("last_value") is not None]
print(max(v) if v else "")' "$2"; }

for f in "$data"/*.snmprec; do
	n=$(basename "$f" .snmprec)
	wait_for 40 status_is "$conf" "$n" up
	check "$n is up" status_is "$conf" "$n" up
done

check "core switch is Cisco" vendor_is core-switch Cisco
check "UPS vendor is APC" vendor_is ups "APC"
check "access switch vendor is HP" vendor_is access-switch HP

wait_for 40 has_metric core-switch interface.in_bits
check "core switch interface rates" has_metric core-switch interface.in_bits
check "core switch utilisation" has_metric core-switch interface.in_util
wait_for 40 has_metric access-switch interface.in_bits
check "access switch (32-bit counters) rates" has_metric access-switch interface.in_bits
check "server processor load" has_metric server cpu.load
check "server storage" has_metric server storage.used_pct
check "storage array volumes" has_metric storage storage.used_pct
for r in $reals; do
	wait_for 40 has_metric "$r" interface.in_bits
	check "$r (real recording): interfaces" has_metric "$r" interface.oper_status
	check "$r (real recording): storage" has_metric "$r" storage.size_bytes
done

# Over several polls the 32-bit counters of the access switch wrap; no rate
# may ever exceed the port speed.
sleep 25
speedmax=$(value_max access-switch interface.speed)
inmax=$(value_max access-switch interface.in_bits)
log "access switch: max speed $speedmax, max in_bits $inmax"
le() { python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$1" "$2"; }
check "32-bit wraps never exceed the port speed" le "$inmax" "$speedmax"
check "no bad values from the demo recordings" sh -c "! grep -v full-walk '$T_DIR/nocd.log' | grep -q 'bad values'"
"$NOCCTL" -c "$conf" graph core-switch interface --start -5min -o "$T_DIR/core.png"
check "graph of the core switch" is_png "$T_DIR/core.png"
check "nocd stops cleanly" stop_nocd
finish
