#!/bin/sh
# Devices from the config file and from `nocctl device add` both count;
# SIGHUP reloads (an invalid file keeps the running config); devices added
# at run time survive a restart; config devices cannot be removed by nocctl.
. "$top_srcdir/tests/lib.sh"
need snmpd snmpget python3

P=$(free_port)
start_snmpd "$P"
conf="$T_DIR/nocd.conf"
dev() { echo "  { name = \"$1\"; address = \"127.0.0.1\"; port = $P; community = \"public\"; }"; }
dev cfg-a | write_conf "$conf"
start_nocd "$conf"

names() { "$NOCCTL" -c "$conf" devices --json | python3 -c 'import json,sys; print(" ".join(sorted(d["name"] for d in json.load(sys.stdin))))'; }
names_are() { [ "$(names)" = "$1" ]; }

wait_for 20 status_is "$conf" cfg-a up
check "config device up" status_is "$conf" cfg-a up

"$NOCCTL" -c "$conf" device add rt-b --address "127.0.0.1:$P" --community public \
    --location "Room B" >"$T_DIR/add.out" 2>&1
check "device add succeeds" [ $? = 0 ]
wait_for 20 status_is "$conf" rt-b up
check "added device is polled" status_is "$conf" rt-b up
"$NOCCTL" -c "$conf" device add rt-b --address 127.0.0.1 --community public 2>/dev/null
check "adding a name twice is an error" [ $? = 1 ]
"$NOCCTL" -c "$conf" device add '../evil' --address 127.0.0.1 --community public 2>/dev/null
check "a bad name is refused" [ $? = 1 ]
printf 'auth256-pass\nauth256-priv\n' | "$NOCCTL" -c "$conf" device add rt-v3 \
    --address "127.0.0.1:$P" --version 3 --user auth256 --level authPriv \
    --auth-proto SHA-256 --auth-key - --priv-proto AES --priv-key - >/dev/null 2>&1
check "v3 device added with keys from stdin" [ $? = 0 ]
check "keys are not in the devices listing" sh -c "! '$NOCCTL' -c '$conf' devices --json | grep -q 'auth256-p'"

# reload with one more device
{ dev cfg-a; echo ","; dev cfg-c; } | write_conf "$conf"
kill -HUP "$NOCD_PID"
wait_for 20 status_is "$conf" cfg-c up
check "reloaded config device polled" status_is "$conf" cfg-c up
check "runtime devices kept over reload" names_are "cfg-a cfg-c rt-b rt-v3"

# an invalid file is refused and the running configuration kept
cp "$conf" "$T_DIR/good.conf"
printf 'bogus_key = 1;\n' >>"$conf"
kill -HUP "$NOCD_PID"
wait_for 10 grep -q 'reload refused' "$T_DIR/nocd.log"
check "invalid reload refused with file:line" grep -q "reload refused.*nocd.conf:[0-9]*: unknown key" "$T_DIR/nocd.log"
check "nocd still running" kill -0 "$NOCD_PID"
cp "$T_DIR/good.conf" "$conf"
check "devices unchanged" names_are "cfg-a cfg-c rt-b rt-v3"

out=$("$NOCCTL" -c "$conf" device remove cfg-a 2>&1)
check "a config device cannot be removed by nocctl" [ $? = 1 ]
check "the refusal names the config line ($out)" sh -c "echo '$out' | grep -q 'nocd.conf:[0-9]'"
"$NOCCTL" -c "$conf" device remove rt-b
check "runtime device removed" names_are "cfg-a cfg-c rt-v3"
"$NOCCTL" -c "$conf" device remove nosuch 2>/dev/null
check "removing an unknown device is an error" [ $? = 1 ]

# restart: the runtime device is still there, the removed one is not
check "nocd stops" stop_nocd
start_nocd "$conf"
check "runtime device survives a restart" names_are "cfg-a cfg-c rt-v3"
wait_for 20 status_is "$conf" rt-v3 up
check "runtime v3 device polled after restart" status_is "$conf" rt-v3 up
check "nocd stops" stop_nocd
finish
