#!/bin/sh
# Northbound notifications in nocd's own MIB. First NOCD-MIB itself goes
# through net-snmp's MIB parser (snmptranslate, every warning on): clean,
# while a copy with a broken object is reported. Then a linkDown trap opens a
# ticket and nocd tells a real snmptrapd, loading NOCD-MIB, four ways: a v2c
# trap, a v2c inform (acknowledged), a v3 authPriv trap from nocd's engine ID
# and a v3 authPriv inform (engine discovered); an inform with a wrong key is
# refused and recorded as failed. (USM users are per engine and name: two
# channels to one receiver with one user name share its keys, so the wrong
# key goes to a user of its own.)
. "$top_srcdir/tests/lib.sh"
need snmptrap snmptrapd snmptranslate python3

MIBS="$top_srcdir/tests/integration/data/smi:$top_srcdir/mibs"

# --- the module through net-snmp's parser ---
out=$(snmptranslate -M "$MIBS" -m NOCD-MIB -PW -Tp 2>&1 >/dev/null)
check "NOCD-MIB parses without a warning${out:+: $out}" [ -z "$out" ]
check "nocdTicketOpened is enterprises.32473.60.0.1" \
    [ "$(snmptranslate -M "$MIBS" -m NOCD-MIB -On NOCD-MIB::nocdTicketOpened)" = .1.3.6.1.4.1.32473.60.0.1 ]
objs=$(snmptranslate -M "$MIBS" -m NOCD-MIB -Td NOCD-MIB::nocdTicketResolved | tr -d ' \t\n')
check "the notifications carry the ticket's nine fields" \
    sh -c "echo '$objs' | grep -q 'OBJECTS{nocdTicketId,nocdTicketDevice,nocdTicketRule,nocdTicketInstance,nocdTicketCategory,nocdTicketSeverity,nocdTicketState,nocdTicketTitle,nocdTicketTime}'"
mkdir -p "$T_DIR/badmib"
sed 's/nocdTicketTime }/nocdTicketTyme }/' "$top_srcdir/mibs/NOCD-MIB.txt" >"$T_DIR/badmib/NOCD-MIB.txt"
bad=$(snmptranslate -M "$top_srcdir/tests/integration/data/smi:$T_DIR/badmib" -m NOCD-MIB -PW -Tp 2>&1 >/dev/null)
check "the same check reports a broken copy ($bad)" sh -c "echo '$bad' | grep -q nocdTicketTyme"

# --- a real snmptrapd receiving what nocd sends ---
TP=$(free_port)
RX=$(free_port)
NOCD_ENGINE=0x80001f888070657374656e67696e65
mkdir -p "$T_DIR/trapd"
cat >"$T_DIR/snmptrapd.conf" <<EOF
authCommunity log public
createUser -e $NOCD_ENGINE nbtrap SHA-256 nb-trap-auth-1 AES nb-trap-priv-1
createUser nbinform SHA-512 nb-inform-auth-1 AES-256 nb-inform-priv-1
createUser nbother SHA-512 nb-other-auth-1 AES-256 nb-other-priv-1
authUser log nbtrap
authUser log nbinform
authUser log nbother
doNotRetainNotificationLogs yes
format2 NOTIFICATION [%P] %v\n
EOF
SNMP_PERSISTENT_DIR="$T_DIR/trapd" bg snmptrapd snmptrapd -f -C -c "$T_DIR/snmptrapd.conf" \
    -M "$MIBS" -m NOCD-MIB -Lf "$T_DIR/received.log" -p "$T_DIR/snmptrapd.pid" \
    "udp:127.0.0.1:$RX"
RXLOG="$T_DIR/received.log"

conf="$T_DIR/nocd.conf"
echo '  { name = "sw1"; address = "127.0.0.1"; port = 9; community = "x"; interval = 3600; }' |
    TRAP_LISTEN="\"udp:127.0.0.1:$TP\"" TRAP_EXTRA='communities = [ "public" ];' \
    write_conf "$conf"
cat >>"$conf" <<EOF
alerts = {
  retries = 1; backoff = 1;
  channels = (
    { name = "nb-v2c-trap"; type = "snmp"; target = "udp:127.0.0.1:$RX"; community = "public";
      events = [ "opened", "resolved" ]; },
    { name = "nb-v2c-inform"; type = "snmp"; target = "udp:127.0.0.1:$RX"; community = "public";
      inform = true; timeout = 5; events = [ "opened", "resolved" ]; },
    { name = "nb-v3-trap"; type = "snmp"; target = "udp:127.0.0.1:$RX"; version = "3";
      user = "nbtrap"; engine_id = "$NOCD_ENGINE"; level = "authPriv"; auth = "SHA-256";
      auth_key = "nb-trap-auth-1"; priv = "AES"; priv_key = "nb-trap-priv-1";
      events = [ "opened", "resolved" ]; },
    { name = "nb-v3-inform"; type = "snmp"; target = "udp:127.0.0.1:$RX"; version = "3";
      inform = true; user = "nbinform"; level = "authPriv"; auth = "SHA-512";
      auth_key = "nb-inform-auth-1"; priv = "AES-256"; priv_key = "nb-inform-priv-1";
      timeout = 5; events = [ "opened", "resolved" ]; },
    { name = "nb-wrong-key"; type = "snmp"; target = "udp:127.0.0.1:$RX"; version = "3";
      inform = true; user = "nbother"; level = "authPriv"; auth = "SHA-512";
      auth_key = "not-the-right-key"; priv = "AES-256"; priv_key = "nb-inform-priv-1";
      timeout = 3; }
  );
};
EOF
"$NOCD" -n -c "$conf" >/dev/null || die "config refused"
start_nocd "$conf"
wait_for 10 snmptrap -v2c -c public "127.0.0.1:$RX" '' 1.3.6.1.6.3.1.1.5.1 ||
    die "snmptrapd did not start"

snmptrap -v2c -c public "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.3 \
    1.3.6.1.2.1.2.2.1.1.7 i 7 || die "snmptrap"
C() { "$NOCCTL" -c "$conf" "$@"; }
n_opened() { grep -c 'NOCD-MIB::nocdTicketOpened' "$RXLOG" 2>/dev/null; }
wait_for 30 sh -c "[ \"\$(grep -c 'NOCD-MIB::nocdTicketOpened' '$RXLOG')\" -ge 4 ]"
check "snmptrapd got four nocdTicketOpened ($(n_opened))" [ "$(n_opened)" -eq 4 ]
check "named by NOCD-MIB: the device" grep -q 'nocdTicketDevice.0 = STRING: "sw1"' "$RXLOG"
check "the category and severity as enumerations" \
    sh -c "grep -q 'nocdTicketCategory.0 = INTEGER: availability(4)' '$RXLOG' &&
    grep -q 'nocdTicketSeverity.0 = INTEGER: major(2)' '$RXLOG'"
check "the port as instance, the rule, the state" \
    sh -c "grep -q 'nocdTicketInstance.0 = STRING: \"7\"' '$RXLOG' &&
    grep -q 'nocdTicketRule.0 = STRING: \"trap_link\"' '$RXLOG' &&
    grep -q 'nocdTicketState.0 = INTEGER: open(1)' '$RXLOG'"
check "as a v2c trap, a v2c inform, a v3 trap and a v3 inform, decrypted" \
    sh -c "grep -q 'NOTIFICATION .TRAP2, SNMP v2c, community public' '$RXLOG' &&
    grep -q 'NOTIFICATION .INFORM, SNMP v2c, community public' '$RXLOG' &&
    grep -q 'NOTIFICATION .TRAP2, SNMP v3, user nbtrap' '$RXLOG' &&
    grep -q 'NOTIFICATION .INFORM, SNMP v3, user nbinform' '$RXLOG'"

id=$(C tickets list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
outcomes() { C tickets show "$id" --json | python3 -c '
import json, sys
n = json.load(sys.stdin)["notifications"]
print(" ".join(sorted(set("%s:%s" % (x["channel"], x["outcome"]) for x in n))))'; }
recorded() { o=$(outcomes); for w in nb-v2c-trap:sent nb-v2c-inform:sent nb-v3-trap:sent \
	nb-v3-inform:sent nb-wrong-key:failed; do
	case " $o " in *" $w "*) ;; *) return 1;; esac; done; }
wait_for 40 recorded
log "recorded: $(outcomes)"
check "informs acknowledged, traps sent, the wrong key refused" recorded
check "the wrong key never succeeded" sh -c "! echo '$(outcomes)' | grep -q nb-wrong-key:sent"
why=$(C tickets show "$id" --json | python3 -c '
import json, sys
print([x.get("detail") or x.get("error") or "" for x in json.load(sys.stdin)["notifications"] if x["channel"] == "nb-wrong-key"][0])')
log "wrong key: $why"

# the link back up: resolved, and a nocdTicketResolved in the same MIB
snmptrap -v2c -c public "127.0.0.1:$TP" '' 1.3.6.1.6.3.1.1.5.4 \
    1.3.6.1.2.1.2.2.1.1.7 i 7 || die "snmptrap"
wait_for 30 sh -c "[ \"\$(grep -c 'NOCD-MIB::nocdTicketResolved' '$RXLOG')\" -ge 4 ]"
check "and four nocdTicketResolved with the state resolved" \
    sh -c "[ \"\$(grep -c 'NOCD-MIB::nocdTicketResolved' '$RXLOG')\" -ge 4 ] &&
    grep -q 'nocdTicketState.0 = INTEGER: resolved(4)' '$RXLOG'"
check "nocd still running" kill -0 "$NOCD_PID"
check "nocd stops cleanly" stop_nocd
finish
