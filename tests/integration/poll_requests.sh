#!/bin/sh
# One request per poll: the system group rides in front of the first probe's
# GETBULK as non-repeaters, so a v2c device with one table probe costs one
# round trip per poll. Those non-repeaters have GETNEXT semantics: an agent
# without sysContact answers that slot with sysName.0, which must not be
# taken for the contact. sysUpTime read this way still gives rates.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3

P=$(free_port)
mkdir -p "$T_DIR/data" "$T_DIR/probes"
cp "$top_srcdir/tests/integration/data/no-contact.snmprec" "$T_DIR/data/"
cp "$top_srcdir/probes/ifmib.conf" "$T_DIR/probes/"
start_snmpsim "$T_DIR/data" "$P"

conf="$T_DIR/nocd.conf"
PROBEDIR="$T_DIR/probes" POLL_INTERVAL=5 POLL_TIMEOUT_MS=1000 POLL_RETRIES=1 write_conf "$conf" <<EOF
  { name = "edge"; address = "127.0.0.1"; port = $P; community = "no-contact"; }
EOF
start_nocd "$conf"

stat() { "$NOCCTL" -c "$conf" stats --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["poller"][sys.argv[1]])' "$1"; }
show() { "$NOCCTL" -c "$conf" device show edge --json | python3 -c '
import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }
polls_at_least() { [ "$(stat polls_ok)" -ge "$1" ]; }

# the first polls settle the table's size and the ifXTable/ifTable choices
wait_for 30 polls_at_least 3
check "device up" status_is "$conf" edge up
p0=$(stat polls_ok); s0=$(stat pdus_sent)
wait_for 40 polls_at_least $((p0 + 4))
p1=$(stat polls_ok); s1=$(stat pdus_sent)
log "polls $p0 -> $p1, requests $s0 -> $s1"
check "polls kept going" [ $((p1 - p0)) -ge 4 ]
# a poll may be under way at either reading: one request of slack
check "one request per poll ($((s1 - s0)) for $((p1 - p0)) polls)" [ $((s1 - s0)) -le $((p1 - p0 + 1)) ]

check "sysName read" [ "$(show sys_name)" = "edge-sw" ]
check "sysLocation read" [ "$(show sys_location)" = "Room B, rack 1" ]
check "no sysContact: the next object is not taken for it ($(show sys_contact))" [ -z "$(show sys_contact)" ]
check "sysUpTime read ($(show sys_uptime))" [ "$(show sys_uptime)" -gt 12345600 ]
check "vendor from sysObjectID" [ "$(device_field "$conf" edge vendor)" = "Cisco" ]
# 125,000 bytes/s on Gi0/1: 1 Mbit/s
rate_ok() {
	v=$(metric_value "$conf" edge interface.in_bits 1)
	[ -n "$v" ] && python3 -c "import sys; sys.exit(0 if 0.9e6 < float('$v') < 1.1e6 else 1)"
}
wait_for 20 rate_ok
check "rates from the one-request poll ($(metric_value "$conf" edge interface.in_bits 1))" rate_ok

# A lossy link (tests/udp-drop-first): the first copy of every request is
# lost, its retransmission, one timeout later, reaches a real snmpd. The
# per-request retry timer must resend in time and the answer to the resent
# request must be taken: no poll times out.
S=$(free_port)
R=$(free_port)
[ "$R" != "$S" ] || R=$(free_port)
start_snmpd "$S"
bg relay python3 "$top_srcdir/tests/udp-drop-first" "$R" "$S" --seconds 120 \
    --status "$T_DIR/relay.status"
"$NOCCTL" -c "$conf" device add lossy --address "127.0.0.1:$R" --community public \
    >"$T_DIR/add.out" 2>&1 || die "device add: $(cat "$T_DIR/add.out")"
wait_for 30 status_is "$conf" lossy up
check "up through a link that loses every first copy" status_is "$conf" lossy up
t0=$(stat timeouts)
lossy_polls() { "$NOCCTL" -c "$conf" device show lossy --json | python3 -c '
import json, sys; print(json.load(sys.stdin).get("polls") or 0)'; }
lp0=$(lossy_polls)
lossy_more() { [ "$(lossy_polls)" -ge $((lp0 + 3)) ]; }
wait_for 40 lossy_more
check "lossy device polled again ($lp0 -> $(lossy_polls))" lossy_more
check "still up" status_is "$conf" lossy up
check "no poll timed out ($t0 -> $(stat timeouts))" [ "$(stat timeouts)" = "$t0" ]
check "its system group read through the relay" [ "$(device_field "$conf" lossy sys_name)" = "snmpd-$S" ]
read _ dropped _ forwarded <"$T_DIR/relay.status"
log "relay: dropped $dropped, forwarded $forwarded"
check "the link did lose first copies ($dropped)" [ "$dropped" -ge 3 ]

stop_nocd
finish
