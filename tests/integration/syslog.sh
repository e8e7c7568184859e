#!/bin/sh
# Syslog from util-linux logger: UDP RFC 5424, TCP octet-counted RFC 3164,
# TCP LF-framed. Lines become events; the shipped rules open a ticket on a
# link down that the link up clears, and one on a failed fan. A frame over
# the size limit closes its connection and is counted; garbage is counted and
# kept; a storm from one source is rate-limited while a quiet source's
# messages keep flowing; logs search finds the text.
. "$top_srcdir/tests/lib.sh"
need logger python3

P=$(free_port)
conf="$T_DIR/nocd.conf"
echo '  { name = "sw1"; address = "127.0.0.1"; port = 9; community = "x"; interval = 3600; }' |
    SYSLOG_LISTEN="\"udp:127.0.0.1:$P\", \"tcp:127.0.0.1:$P\"" \
    SYSLOG_EXTRA="max_message = 2048; rate = 50; idle_timeout = 5; storm_clear = 3;" write_conf "$conf"
start_nocd "$conf"

C() { "$NOCCTL" -c "$conf" "$@"; }
has_type() { C events list --source syslog --json | python3 -c '
import json, sys
sys.exit(0 if any(e["type"] == sys.argv[1] for e in json.load(sys.stdin)) else 1)' "$1"; }
has_text() { C logs search "$1" --json | python3 -c '
import json, sys
sys.exit(0 if json.load(sys.stdin) else 1)'; }
ticket_state() { C tickets list --state all --json | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin) if t["rule"] == sys.argv[1] and t["instance"] == sys.argv[2]]
print(t[-1]["state"] if t else "")' "$1" "$2"; }
stat() { C stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["syslog"][sys.argv[1]])' "$1"; }
state_is() { [ "$(ticket_state "$1" "$2")" = "$3" ]; }

# UDP, RFC 5424
logger --udp --rfc5424 -n 127.0.0.1 -P "$P" -t IOS -p local7.err \
    "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/7, changed state to down" || die "logger udp"
wait_for 20 has_type link_down
check "UDP RFC 5424 line stored as link_down" has_type link_down
wait_for 20 state_is syslog_link GigabitEthernet1/0/7 open
check "link down opened the port's ticket" state_is syslog_link GigabitEthernet1/0/7 open
detail_ok() { C events list --source syslog --json | python3 -c '
import json, sys
e = [e for e in json.load(sys.stdin) if e["type"] == "link_down"][0]
d = json.loads(e["detail"])
assert d["format"] == "rfc5424" and d["facility"] == 23 and d["severity"] == 3, d
assert e["device"] == "sw1" and e["severity"] == "major", e
assert e["message"].startswith("IOS: %LINK-3-UPDOWN"), e'; }
check "facility, severity, format and device kept" detail_ok

# TCP, RFC 3164, octet counting
logger -T --octet-count --rfc3164 -n 127.0.0.1 -P "$P" -t IOS -p local7.notice \
    "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/7, changed state to up" || die "logger tcp"
wait_for 20 state_is syslog_link GigabitEthernet1/0/7 resolved
check "link up over TCP (octet counted) resolved it" state_is syslog_link GigabitEthernet1/0/7 resolved

# TCP, LF framing (logger's default without --octet-count)
logger -T --rfc3164 -n 127.0.0.1 -P "$P" -t envmon -p daemon.crit "Fan 2 failed, replace tray" ||
    die "logger tcp lf"
wait_for 20 state_is syslog_fan 2 open
check "LF-framed TCP line: a fan ticket" state_is syslog_fan 2 open
check "logs search finds it" has_text '"replace tray"'

# a frame longer than max_message closes that connection; others go on
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"<13>" + b"x" * 5000 + b"\n")
try:
    s.settimeout(5)
    print(len(s.recv(10)))
except ConnectionResetError:
    print(0)    # closed with our bytes unread: a reset
except Exception as e:
    print(e)' "$P" >"$T_DIR/long.out"
check "over-long frame: connection closed" grep -qx 0 "$T_DIR/long.out"
check "over-long frame counted" [ "$(stat too_long)" -ge 1 ]
# the shapes of known syslog CVEs: refused (connection closed) and counted
before=$(stat too_long)
python3 -c '
import socket, sys, time
p = int(sys.argv[1])
def closed(payload):
    s = socket.create_connection(("127.0.0.1", p))
    try:
        s.sendall(payload)
        s.settimeout(5)
        return s.recv(10) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()
ok = [closed(b"99999999999999999999 <13>x"),      # 20-digit octet count
      closed(b"0 <13>x"),                           # zero length
      closed(b"<13>" + b"y" * (1 << 20))]           # 1 MB line, no newline
# negative length: not a count at all, so an LF frame of text, kept
s = socket.create_connection(("127.0.0.1", p)); s.sendall(b"-5 <13>negcount\n"); s.close()
# a sender that writes one byte at a time
s = socket.create_connection(("127.0.0.1", p))
for b in b"25 <13>bytewise sender here!":
    s.send(bytes([b])); time.sleep(0.002)
s.close()
print(" ".join("closed" if x else "open" for x in ok))' "$P" >"$T_DIR/cve.out"
log "CVE shapes: $(cat "$T_DIR/cve.out")"
check "20-digit count, zero length, 1 MB line: all closed" grep -qx "closed closed closed" "$T_DIR/cve.out"
wait_for 20 has_text bytewise
check "a byte-at-a-time sender is heard" has_text bytewise
check "the refusals are counted" [ "$(stat too_long)" -ge $((before + 3)) ]

# garbage over UDP: no PRI, control bytes; kept as text, counted
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"\x00\x01garbage without PRI\xff\xfe <script>", ("127.0.0.1", int(sys.argv[1])))
s.sendto(b"<999>bad pri", ("127.0.0.1", int(sys.argv[1])))' "$P"
wait_for 20 sh -c "[ \$('$NOCCTL' -c '$conf' stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"syslog\"][\"malformed\"])') -ge 2 ]"
check "messages without a valid PRI counted" [ "$(stat malformed)" -ge 2 ]

# a storm from 127.0.0.1 (rate 50/s, burst 100) and one quiet line from 127.0.0.2
python3 -c '
import socket, sys
p = int(sys.argv[1])
loud = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
loud.bind(("127.0.0.1", 0))
for i in range(3000):
    loud.sendto(b"<14>storm line %d" % i, ("127.0.0.1", p))
quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
quiet.bind(("127.0.0.2", 0))
quiet.sendto(b"<14>quietsource still heard", ("127.0.0.1", p))' "$P"
wait_for 20 has_text quietsource
check "the quiet source is heard through the storm" has_text quietsource
check "the storm is rate-limited and counted" [ "$(stat rate_limited)" -ge 2000 ]
stored=$(C logs search storm --limit 100000 --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "storm lines stored: bounded by the rate ($stored)" [ "$stored" -le 400 ]
# the storm is one ticket on sw1 whose count is the lines dropped, resolved when it is over
wait_for 30 storm_resolved "$conf" syslog_storm
st=$(storm_tickets "$conf" syslog_storm)
dropped=$(stat rate_limited)
check "one storm ticket on sw1, resolved once the storm was over, counting the lines dropped ($st, $dropped rate-limited)" \
    one_storm_ticket "$conf" syslog_storm sw1 2000 "$dropped"
check "storms counted" [ "$(stat storms)" -ge 1 ]

# idle connections are closed after idle_timeout
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
t = time.time()
d = s.recv(10)
print("closed" if d == b"" and time.time() - t < 14 else "open")' "$P" >"$T_DIR/idle.out"
check "idle connection closed" grep -qx closed "$T_DIR/idle.out"
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
finish
