#!/bin/sh
# RRD writes through a real rrdcached (rrd.rrdcached = "unix:..."); graphs
# flush it first. When the daemon goes away, errors are counted, nocd goes on.
. "$top_srcdir/tests/lib.sh"
need snmpd snmpget rrdcached rrdtool python3

P=$(free_port)
start_snmpd "$P"
mkdir -p "$T_DIR/state/rrd" "$T_DIR/journal"
chown -R "$T_USER" "$T_DIR/state"
sock="$T_DIR/rrdcached.sock"
# long write delay: nothing reaches the files unless flushed
bg rrdcached rrdcached -g -w 3600 -f 7200 -z 1 -m 0666 -l "unix:$sock" -b "$T_DIR/state/rrd" -B \
    -p "$T_DIR/rrdcached.pid" -j "$T_DIR/journal"
RRDC_PID=$LAST_PID
wait_for 10 test -S "$sock" || die "rrdcached did not start"

conf="$T_DIR/nocd.conf"
RRDCACHED="unix:$sock" POLL_INTERVAL=5 write_conf "$conf" <<EOF
  { name = "cached"; address = "127.0.0.1"; port = $P; community = "public"; }
EOF
start_nocd "$conf"
wait_for 20 status_is "$conf" cached up
check "device up" status_is "$conf" cached up

stats_field() { "$NOCCTL" -c "$conf" stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"][sys.argv[1]])' "$1"; }
rrd_count() { find "$T_DIR/state/rrd/cached" -name '*.rrd' | wc -l; }
wait_for 30 sh -c "[ \$(find '$T_DIR/state/rrd/cached' -name '*.rrd' 2>/dev/null | wc -l) -gt 0 ]"
check "RRD files created" [ "$(rrd_count)" -gt 0 ]
sleep 12
f=$(ls "$T_DIR"/state/rrd/cached/interface/*.rrd | head -n 1)
check "rrdcached received the updates" sh -c "python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b\"STATS\\n\")
data = b\"\"
while b\"TreeNodesNumber\" not in data or not data.endswith(b\"\\n\"):
    c = s.recv(4096)
    if not c: break
    data += c
for l in data.decode().splitlines():
    if l.startswith(\"UpdatesReceived\"):
        sys.exit(0 if int(l.split()[1]) > 0 else 1)
sys.exit(1)' '$sock'"
"$NOCCTL" -c "$conf" graph cached interface --start -5min -o "$T_DIR/g.png" 2>"$T_DIR/graph.log"
check "graph through rrdcached (flushed first)" is_png "$T_DIR/g.png"
check "values on disk after the flush" sh -c "rrdtool fetch '$f' AVERAGE -s -120 | grep -q '[0-9]e[+-]'"
check "no RRD errors" [ "$(stats_field rrd_errors)" = 0 ]

# rrdcached goes away: errors are counted, polling goes on
kill "$RRDC_PID"
wait_for 10 sh -c "! kill -0 $RRDC_PID"
polls() { "$NOCCTL" -c "$conf" device show cached --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["polls"])'; }
a=$(polls)
wait_for 30 sh -c "[ \$('$NOCCTL' -c '$conf' stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"store\"][\"rrd_errors\"])') -gt 0 ]"
check "RRD errors counted while rrdcached is gone" [ "$(stats_field rrd_errors)" -gt 0 ]
b=$(polls)
check "polling goes on ($a -> $b)" [ "$b" -gt "$a" ]
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
finish
