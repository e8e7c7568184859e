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

# recording(UPTIME_INITIAL, HC_INITIAL, C32_INITIAL): 1 MB/s on both counters
recording() {
	cat <<EOF
1.3.6.1.2.1.1.1.0|4|Restarting test agent
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.3.0|67:numeric|rate=100,initial=$1
1.3.6.1.2.1.1.5.0|4|flappy
1.3.6.1.2.1.2.2.1.1.1|2|1
1.3.6.1.2.1.2.2.1.1.2|2|2
1.3.6.1.2.1.2.2.1.2.1|4|eth0
1.3.6.1.2.1.2.2.1.2.2|4|eth1
1.3.6.1.2.1.2.2.1.3.1|2|6
1.3.6.1.2.1.2.2.1.3.2|2|6
1.3.6.1.2.1.2.2.1.5.1|66|0
1.3.6.1.2.1.2.2.1.5.2|66|0
1.3.6.1.2.1.2.2.1.7.1|2|1
1.3.6.1.2.1.2.2.1.7.2|2|1
1.3.6.1.2.1.2.2.1.8.1|2|1
1.3.6.1.2.1.2.2.1.8.2|2|1
1.3.6.1.2.1.2.2.1.10.1|65|0
1.3.6.1.2.1.2.2.1.10.2|65:numeric|rate=1000000,initial=$3,wrap=1
1.3.6.1.2.1.31.1.1.1.1.1|4|eth0
1.3.6.1.2.1.31.1.1.1.1.2|4|eth1
1.3.6.1.2.1.31.1.1.1.6.1|70:numeric|rate=1000000,initial=$2
EOF
}
# eth1 has no HC counter: its 32-bit counter starts 3 s before the wrap
recording 50000000 1000000000000 4291967296 >"$T_DIR/before/flappy.snmprec"
recording 100 9000000000000 1000 >"$T_DIR/after/flappy.snmprec"

start_snmpsim "$T_DIR/before" "$P"
conf="$T_DIR/nocd.conf"
POLL_INTERVAL=5 POLL_TIMEOUT_MS=1000 POLL_RETRIES=1 write_conf "$conf" <<EOF
  { name = "flappy"; address = "127.0.0.1"; port = $P; community = "flappy"; }
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

# The largest value the archive ever holds for eth0: about 8 Mbit/s, never terabits.
ds_max() {
	# max over data source in_bits only
	f="$T_DIR/state/rrd/flappy/interface/$1.rrd"
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
m=$(ds_max 1)
log "eth0 in_bits maximum: $m"
check "eth0 has rates (8 Mbit/s)" [ "$m" -ge 7000000 ]
check "no spike after the restart (max $m <= 9 Mbit/s)" [ "$m" -le 9000000 ]
m=$(ds_max 2)
log "eth1 (32-bit, wrapped) in_bits maximum: $m"
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
check "32-bit wrap gives a rate, not a spike (max $m)" in_range "$m" 7000000 9000000
finish
