#!/bin/sh
# An agent that restarts: sysUpTime goes back and the 64-bit counter comes
# back at an unrelated value (a different line card, a replaced agent). The
# interface speed is unknown, so only the restart detection stands between
# that jump and a spike of terabits in the graph. Also: a 32-bit counter
# that wraps gives the true rate, not a negative or huge one.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3 rrdtool

P=$(free_port)
mkdir -p "$T_DIR/before" "$T_DIR/after"

# recording(UPTIME_INITIAL, HC_INITIAL): 1 MB/s on a 64-bit counter, no speed known
recording() {
	cat <<EOF
1.3.6.1.2.1.1.1.0|4|Restarting test agent
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=$1
1.3.6.1.2.1.1.5.0|4|flappy
1.3.6.1.2.1.2.2.1.1.1|2|1
1.3.6.1.2.1.2.2.1.2.1|4|eth0
1.3.6.1.2.1.2.2.1.3.1|2|6
1.3.6.1.2.1.2.2.1.5.1|66|0
1.3.6.1.2.1.2.2.1.7.1|2|1
1.3.6.1.2.1.2.2.1.8.1|2|1
1.3.6.1.2.1.2.2.1.10.1|65|0
1.3.6.1.2.1.31.1.1.1.1.1|4|eth0
1.3.6.1.2.1.31.1.1.1.6.1|70:numeric|rate=1000000,initial=$2
EOF
}
recording 50000000 1000000000000 >"$T_DIR/before/flappy.snmprec"
recording 100 9000000000000 >"$T_DIR/after/flappy.snmprec"
# An old agent with 32-bit counters only, starting 3 s before the wrap.
old32() {
	cat <<EOF
1.3.6.1.2.1.1.1.0|4|Old agent, 32-bit counters
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.11.2.3.7.11.1
1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=70000000
1.3.6.1.2.1.1.5.0|4|old32
1.3.6.1.2.1.2.2.1.1.1|2|1
1.3.6.1.2.1.2.2.1.2.1|4|port1
1.3.6.1.2.1.2.2.1.3.1|2|6
1.3.6.1.2.1.2.2.1.5.1|66|0
1.3.6.1.2.1.2.2.1.7.1|2|1
1.3.6.1.2.1.2.2.1.8.1|2|1
1.3.6.1.2.1.2.2.1.10.1|65:numeric|rate=1000000,initial=4291967296,max=4294967296,wrap=1
EOF
}
old32 >"$T_DIR/before/old32.snmprec"
old32 >"$T_DIR/after/old32.snmprec"

start_snmpsim "$T_DIR/before" "$P"
conf="$T_DIR/nocd.conf"
POLL_INTERVAL=5 POLL_TIMEOUT_MS=1000 POLL_RETRIES=1 write_conf "$conf" <<EOF
  { name = "flappy"; address = "127.0.0.1"; port = $P; community = "flappy"; },
  { name = "old32"; address = "127.0.0.1"; port = $P; community = "old32"; }
EOF
start_nocd "$conf"

polls() { "$NOCCTL" -c "$conf" device show flappy --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("polls", 0))'; }
polls_at_least() { [ "$(polls)" -ge "$1" ]; }
wait_for 40 polls_at_least 4
check "polled before the restart" polls_at_least 4

# the agent restarts: a new process, uptime near zero, the counter elsewhere
kill "$SNMPSIM_PID"
wait_for 10 sh -c "! kill -0 $SNMPSIM_PID"
start_snmpsim "$T_DIR/after" "$P"
n=$(polls)
wait_for 40 polls_at_least $((n + 4))
check "polled after the restart" polls_at_least $((n + 4))
check "restart seen in the log" grep -q 'flappy.*restart' "$T_DIR/nocd.log"

# nocd holds RRD updates (rrd.write_cache, default 300 s): have them written
flushed=$("$NOCCTL" -c "$conf" flush)
log "nocctl flush: $flushed"
check "nocctl flush wrote the held files ($flushed)" sh -c "echo '$flushed' | grep -Eq '^[1-9][0-9]* files written'"
# The largest value the archive ever holds for eth0: about 8 Mbit/s, never terabits.
ds_max() {
	# max over data source in_bits only
	f="$T_DIR/state/rrd/$1/interface/1.rrd"
	rrdtool fetch "$f" MAX -s -600 -e now | python3 -c '
import sys, math
lines = sys.stdin.read().splitlines()
names = lines[0].split()
i = names.index("in_bits")
vals = []
for line in lines[1:]:
    if ":" not in line: continue
    f = line.split(":", 1)[1].split()
    try:
        v = float(f[i])
    except (ValueError, IndexError):
        continue
    if not math.isnan(v): vals.append(v)
print(int(max(vals)) if vals else -1)'
}
m=$(ds_max flappy)
log "eth0 in_bits maximum: $m"
check "eth0 has rates (8 Mbit/s)" [ "$m" -ge 7000000 ]
check "no spike after the restart (max $m <= 9 Mbit/s)" [ "$m" -le 9000000 ]
m=$(ds_max old32)
log "old32 (32-bit, wrapped) in_bits maximum: $m"
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
check "32-bit wrap gives a rate, not a spike (max $m)" in_range "$m" 7000000 9000000
finish
