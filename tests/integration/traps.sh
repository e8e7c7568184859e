#!/bin/sh
# Traps received natively, sent by net-snmp's own snmptrap and snmpinform:
# v1 (mapped as RFC 3584 says), v2c, a v2c inform (acknowledged: snmpinform
# exits 0), v3 authPriv traps and informs with the config's USM user, and
# refusals that are counted, never stored: a wrong community, a v3 trap with
# a wrong key, garbage bytes. linkDown opens a ticket that linkUp resolves;
# the UPS on-battery trap shares the poll rule's ticket.
. "$top_srcdir/tests/lib.sh"
need snmptrap snmpinform python3

TP=$(free_port)
ENGINE=0x80001f88808877665544332211
conf="$T_DIR/nocd.conf"
echo '  { name = "sw1"; address = "127.0.0.1"; port = 9; community = "x"; interval = 3600; }' |
    TRAP_LISTEN="\"udp:127.0.0.1:$TP\"" TRAP_EXTRA="communities = [ \"public\", \"ops\" ];
  rate = 50; storm_clear = 2;
  users = ( { name = \"trapper\"; engine_id = \"$ENGINE\"; level = \"authPriv\";
              auth = \"SHA-512\"; auth_key = \"trap-auth-key-1\"; priv = \"AES-256\";
              priv_key = \"trap-priv-key-1\"; } );" write_conf "$conf"
start_nocd "$conf"

C() { "$NOCCTL" -c "$conf" "$@"; }
events() { C events list --source trap --json; }
n_events() { events | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
has_event() { events | python3 -c '
import json, sys
sys.exit(0 if any(e["type"] == sys.argv[1] for e in json.load(sys.stdin)) else 1)' "$1"; }
stat() { C stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["traps"][sys.argv[1]])' "$1"; }
ticket_state() { C tickets list --state all --json | python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin) if t["rule"] == sys.argv[1]]
print(t[-1]["state"] if t else "")' "$1"; }
IFX=1.3.6.1.2.1.2.2.1

# v2c linkDown with ifIndex 3: an event and an open ticket for the port
snmptrap -v2c -c public "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.3 \
    $IFX.1.3 i 3 $IFX.7.3 i 1 $IFX.8.3 i 2 || die "snmptrap v2c"
wait_for 20 has_event link_down
check "v2c linkDown stored" has_event link_down
wait_for 20 sh -c "[ \"\$('$NOCCTL' -c '$conf' tickets list --json | grep -c trap_link)\" = 1 ]"
check "linkDown opened a ticket" [ "$(ticket_state trap_link)" = open ]
check "the ticket names the port" sh -c "'$NOCCTL' -c '$conf' tickets list | grep -q 'link down on ifIndex 3'"

# a v2c inform of linkUp: acknowledged (snmpinform waits for it), clears the ticket
check "v2c inform acknowledged" timeout 10 snmpinform -v2c -c ops -t 2 -r 1 "127.0.0.1:$TP" '' \
    1.3.6.1.6.3.1.1.5.4 $IFX.1.3 i 3
wait_for 20 sh -c "[ \"\$(echo \$('$NOCCTL' -c '$conf' tickets list --state resolved --json) | grep -c trap_link)\" = 1 ]"
check "linkUp resolved the ticket" [ "$(ticket_state trap_link)" = resolved ]

# v1: APC upsOnBattery (enterprise 318, specific 5) -> 1.3.6.1.4.1.318.0.5
snmptrap -v1 -c public "127.0.0.1:$TP" 1.3.6.1.4.1.318 127.0.0.1 6 5 '' || die "snmptrap v1"
wait_for 20 has_event ups_on_battery
check "v1 trap mapped and named" sh -c "'$NOCCTL' -c '$conf' events list --json | grep -q '1.3.6.1.4.1.318.0.5'"
check "on battery: the shared ticket" [ "$(ticket_state ups_on_battery)" = open ]

# v3 authPriv trap with the sender's engine ID, and a v3 inform (our engine)
snmptrap -v3 -e "$ENGINE" -u trapper -l authPriv -a SHA-512 -A trap-auth-key-1 -x AES-256 \
    -X trap-priv-key-1 "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.1 || die "snmptrap v3"
wait_for 20 has_event cold_start
check "v3 authPriv trap stored" has_event cold_start
check "v3 inform acknowledged" timeout 10 snmpinform -v3 -u trapper -l authPriv -a SHA-512 \
    -A trap-auth-key-1 -x AES-256 -X trap-priv-key-1 -t 2 -r 1 "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.2
wait_for 20 has_event warm_start
check "v3 inform stored" has_event warm_start

# refusals: counted, never stored
before=$(n_events)
snmptrap -v2c -c nosuch "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.5
snmptrap -v3 -e "$ENGINE" -u trapper -l authPriv -a SHA-512 -A wrong-auth-key -x AES-256 \
    -X trap-priv-key-1 "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.5
snmptrap -v3 -e "$ENGINE" -u nobody -l authPriv -a SHA-512 -A trap-auth-key-1 -x AES-256 \
    -X trap-priv-key-1 "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.5
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for junk in (b"\x30\x82\xff\xff garbage", b"", b"\x30\x03\x02\x01\x01", bytes(range(256)) * 4):
    s.sendto(junk, ("127.0.0.1", int(sys.argv[1])))' "$TP"
wait_for 20 sh -c "[ \"\$('$NOCCTL' -c '$conf' stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"traps\"][\"refused_unknown_user\"])')\" -ge 1 ]"
check "wrong community counted" [ "$(stat refused_community)" -ge 1 ]
check "wrong v3 key counted" [ "$(stat refused_auth)" -ge 1 ]
check "unknown v3 user counted" [ "$(stat refused_unknown_user)" -ge 1 ]
check "garbage counted" [ "$(stat malformed)" -ge 1 ]
check "nothing refused was stored" [ "$(n_events)" = "$before" ]
check "informs acknowledged: 2" [ "$(stat informs_acked)" = 2 ]
check "logs search finds the trap text" sh -c "'$NOCCTL' -c '$conf' logs search 'ifIndex' | grep -q link"

# a storm: one v2c trap as snmptrap sends it, replayed 2,000 times from
# 127.0.0.1 (rate 50/s, bursts of 100), and one trap from a quiet 127.0.0.2
CAP=$(free_port)
python3 -c '
import socket, subprocess, sys
cap = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
cap.bind(("127.0.0.1", int(sys.argv[1])))
cap.settimeout(5)
subprocess.run(["snmptrap", "-v2c", "-c", "public", "127.0.0.1:" + sys.argv[1], "",
    "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.2.1.2.2.1.1.99", "i", "99"], check=True)
pkt = cap.recv(65536)
loud = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    loud.sendto(pkt, ("127.0.0.1", int(sys.argv[2])))
quiet = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
quiet.bind(("127.0.0.2", 0))
quiet.sendto(pkt, ("127.0.0.1", int(sys.argv[2])))' "$CAP" "$TP" ||
    die "cannot replay a trap"
from_quiet() { events | python3 -c '
import json, sys
sys.exit(0 if any(e["host"] == "127.0.0.2" for e in json.load(sys.stdin)) else 1)'; }
wait_for 20 from_quiet
check "the quiet source is heard through the storm" from_quiet
wait_for 30 storm_resolved "$conf" trap_storm
st=$(storm_tickets "$conf" trap_storm)
dropped=$(stat rate_limited)
check "one storm ticket on sw1, resolved when it was over, counting the traps dropped ($st; $dropped rate-limited)" \
    one_storm_ticket "$conf" trap_storm sw1 1500 "$dropped"
check "storms counted" [ "$(stat storms)" -ge 1 ]
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
finish
