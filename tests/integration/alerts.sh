#!/bin/sh
# Alerts to duty staff: a linkDown trap opens a ticket, and its notice goes
# to every channel whose filters take it: a command (JSON on stdin, no
# shell), an SMTP server (Python's smtpd), a webhook (an HTTP server that
# fails the first request: retried with back-off), a central syslog (a real
# rsyslog over UDP, and over RELP to its imrelp: its session survives
# rsyslog's restart). A channel pointed at a dead port fails and retries without
# holding up the others; a channel for critical only does not hear a major;
# every attempt and its outcome is recorded with the ticket.
. "$top_srcdir/tests/lib.sh"
need snmptrap python3 rsyslogd

TP=$(free_port)
SMTP=$(free_port)
HOOK=$(free_port)
SYS=$(free_port)
RELP=$(free_port)
DEAD=$(free_port)
OUT="$T_DIR/out"
mkdir -p "$OUT"
chmod 777 "$OUT"

# the command channel's program: what it gets on stdin, one line per notice
printf '#!/bin/sh\ncat >>"%s/cmd.json"\necho >>"%s/cmd.json"\n' "$OUT" "$OUT" >"$T_DIR/page"
printf '#!/bin/sh\ncat >>"%s/critical.json"\n' "$OUT" >"$T_DIR/page-critical"
chmod 755 "$T_DIR/page" "$T_DIR/page-critical"

# SMTP: Python's own debugging server prints every message it receives
bg smtpd python3 -u -W ignore -m smtpd -n -c DebuggingServer "127.0.0.1:$SMTP"
# webhook: answers 500 to the first request, 200 after; keeps the bodies
cat >"$T_DIR/hook.py" <<'EOF'
import http.server, sys
seen = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen[0] += 1
        code = 500 if seen[0] == 1 else 200
        with open(sys.argv[2], "ab") as f:
            f.write(b"%d " % code + body + b"\n")
        self.send_response(code)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
bg hook python3 "$T_DIR/hook.py" "$HOOK" "$OUT/hook.log"
# central syslog: rsyslog writing what it gets to a file
mkdir -p "$T_DIR/rsyslog"
cat >"$T_DIR/rsyslog.conf" <<EOF
global(workDirectory="$T_DIR/rsyslog")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="$SYS")
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="$RELP" ruleset="relp")
ruleset(name="relp") { action(type="omfile" file="$OUT/relp.log") }
action(type="omfile" file="$OUT/central.log")
EOF
bg rsyslog rsyslogd -n -f "$T_DIR/rsyslog.conf" -i "$T_DIR/rsyslog.pid"

conf="$T_DIR/nocd.conf"
echo '  { name = "sw1"; address = "127.0.0.1"; port = 9; community = "x"; interval = 3600; }' |
    TRAP_LISTEN="\"udp:127.0.0.1:$TP\"" TRAP_EXTRA='communities = [ "public" ];' \
    write_conf "$conf"
cat >>"$conf" <<EOF
alerts = {
  retries = 3; backoff = 1;
  channels = (
    { name = "pager"; type = "command"; command = [ "$T_DIR/page", "--room", "A" ]; },
    { name = "crit-only"; type = "command"; command = [ "$T_DIR/page-critical" ];
      severities = [ "critical" ]; },
    { name = "mail"; type = "email"; url = "smtp://127.0.0.1:$SMTP"; from = "nocd@ops.example";
      to = [ "duty@ops.example", "lead@ops.example" ]; },
    { name = "hook"; type = "webhook"; url = "http://127.0.0.1:$HOOK/alert"; timeout = 5; },
    { name = "central"; type = "syslog"; target = "udp:127.0.0.1:$SYS"; },
    { name = "relay"; type = "relp"; target = "127.0.0.1:$RELP"; timeout = 5;
      events = [ "opened", "resolved" ]; },
    { name = "broken"; type = "webhook"; url = "http://127.0.0.1:$DEAD/"; timeout = 2; }
  );
};
EOF
"$NOCD" -n -c "$conf" >/dev/null || die "config refused"
start_nocd "$conf"
sleep 1	# the peers are up

snmptrap -v2c -c public "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.3 \
    1.3.6.1.2.1.2.2.1.1.4 i 4 || die "snmptrap"

has_line() { [ -f "$1" ] && grep -q "$2" "$1"; }
wait_for 20 has_line "$OUT/cmd.json" '"event":"opened"'
check "command got the notice as JSON on stdin" has_line "$OUT/cmd.json" '"device":"sw1"'
json_ok() { python3 -c '
import json, sys
n = json.loads(open(sys.argv[1]).readline())
assert n["event"] == "opened" and n["severity"] == "major" and n["category"] == "availability"
assert n["rule"] == "trap_link" and n["instance"] == "4" and n["ticket"] > 0, n' "$OUT/cmd.json"; }
check "the notice says what and where" json_ok
wait_for 20 has_line "$T_DIR/smtpd.log" "Subject: \[nocd major\] opened"
check "email delivered over SMTP" has_line "$T_DIR/smtpd.log" "Subject: \[nocd major\] opened: sw1"
check "to every recipient" has_line "$T_DIR/smtpd.log" "lead@ops.example"
wait_for 20 has_line "$OUT/hook.log" '^200 '
check "webhook: the first attempt failed (500)" has_line "$OUT/hook.log" '^500 '
check "webhook: retried and delivered" has_line "$OUT/hook.log" '^200 {"ticket"'
wait_for 20 has_line "$OUT/central.log" 'nocd'
check "central syslog got it" has_line "$OUT/central.log" 'link down on ifIndex 4'
wait_for 20 has_line "$OUT/relp.log" 'nocd'
check "RELP (rsyslog's imrelp) got it" has_line "$OUT/relp.log" 'link down on ifIndex 4'
check "the critical-only channel stayed quiet" sh -c "[ ! -s '$OUT/critical.json' ]"

id=$(C() { "$NOCCTL" -c "$conf" "$@"; }; C tickets list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
outcomes() { "$NOCCTL" -c "$conf" tickets show "$id" --json | python3 -c '
import json, sys
n = json.load(sys.stdin)["notifications"]
print(" ".join(sorted("%s:%s" % (x["channel"], x["outcome"]) for x in n)))'; }
recorded() { o=$(outcomes); for w in pager:sent mail:sent hook:failed hook:sent central:sent relay:sent broken:failed; do
	case " $o " in *" $w "*) ;; *) return 1;; esac; done; }
wait_for 30 recorded
log "recorded: $(outcomes)"
check "every attempt recorded with its outcome" recorded
gave_up() { [ "$("$NOCCTL" -c "$conf" tickets show "$id" --json | grep -c '"channel": "broken"')" -ge 4 ]; }
wait_for 40 gave_up
check "the broken channel tried 1 + 3 times" gave_up
# rsyslog restarted: the RELP channel's next notice reconnects (retried)
rpid=$(cat "$T_DIR/rsyslog.pid")
kill "$rpid" 2>/dev/null
wait_for 10 sh -c "! kill -0 $rpid 2>/dev/null"
bg rsyslog2 rsyslogd -n -f "$T_DIR/rsyslog.conf" -i "$T_DIR/rsyslog.pid"
wait_for 10 python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$RELP"
snmptrap -v2c -c public "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.4 \
    1.3.6.1.2.1.2.2.1.1.4 i 4 || die "snmptrap"
wait_for 30 has_line "$OUT/relp.log" '"event":"resolved"'
check "after rsyslog's restart the resolved notice still arrives over RELP" \
    has_line "$OUT/relp.log" '"event":"resolved"'
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
finish
