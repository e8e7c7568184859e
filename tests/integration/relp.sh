#!/bin/sh
# RELP from a real client: rsyslog's omrelp forwards what it receives on
# UDP to nocd. nocd is killed with SIGKILL in the middle of the stream and
# started again; rsyslog resends what was not acknowledged. Every message is
# stored exactly once: acknowledged ones were committed before the ack, and
# a resent one is recognised.
. "$top_srcdir/tests/lib.sh"
need rsyslogd python3
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so ] || [ -n "$(find /usr/lib -name omrelp.so 2>/dev/null | head -n 1)" ] ||
    skip "rsyslog-relp (omrelp) is not installed"

PR=$(free_port)
PU=$(free_port)
N=300
conf="$T_DIR/nocd.conf"
echo '  { name = "sw1"; address = "127.0.0.1"; port = 9; community = "x"; interval = 3600; }' |
    write_conf "$conf"
sed -i "s|relp = \[ \];|relp = [ \"127.0.0.1:$PR\" ];|" "$conf"
start_nocd "$conf"

mkdir -p "$T_DIR/rsyslog"
cat >"$T_DIR/rsyslog.conf" <<EOF
global(workDirectory="$T_DIR/rsyslog")
module(load="imudp")
module(load="omrelp")
input(type="imudp" address="127.0.0.1" port="$PU")
action(type="omrelp" target="127.0.0.1" port="$PR" timeout="5" conn.timeout="5"
       queue.type="LinkedList" queue.size="100000" queue.filename="relpq"
       queue.saveOnShutdown="on" action.resumeRetryCount="-1" action.resumeInterval="1")
EOF
rsyslogd -N1 -f "$T_DIR/rsyslog.conf" >"$T_DIR/rsyslog-check.log" 2>&1 || {
	cat "$T_DIR/rsyslog-check.log"; die "rsyslog refuses its config"; }
bg rsyslog rsyslogd -n -f "$T_DIR/rsyslog.conf" -i "$T_DIR/rsyslog.pid"

C() { "$NOCCTL" -c "$conf" "$@"; }
stored() { C logs search 'relpseq*' --limit 100000 --json 2>/dev/null | python3 -c '
import json, re, sys
seqs = [int(re.search(r"relpseq(\d+)", e["message"]).group(1)) for e in json.load(sys.stdin)]
print(len(seqs), len(set(seqs)))'; }
all_in() { [ "$(stored)" = "$N $N" ]; }

# the stream: N numbered lines at ~200/s; nocd is killed a third of the way in
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"<14>relp test relpseq%d end" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.005)' "$PU" "$N" &
SENDER=$!
sleep 0.5
kill -KILL "$NOCD_PID"
log "nocd killed with SIGKILL mid-stream"
sleep 1
start_nocd "$conf"
wait "$SENDER"

wait_for 60 all_in
got=$(stored)
log "stored (total distinct): $got"
check "every message stored once ($got of $N)" [ "$got" = "$N $N" ]
check "RELP acknowledged after commit (counted)" sh -c \
    "[ \$('$NOCCTL' -c '$conf' stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"syslog\"][\"relp_acked\"])') -gt 0 ]"
check "matched to its device" sh -c "'$NOCCTL' -c '$conf' events list --source syslog --json | grep -q '\"device\": \"sw1\"'"
check "nocd stops cleanly with a RELP session open" stop_nocd
finish
