#!/bin/sh
# nocd -n: "configuration OK", or FILE:LINE: message and exit 1; nocctl's exit codes.
. "$top_srcdir/tests/lib.sh"

conf="$T_DIR/nocd.conf"

# the shipped example is valid (probe and catalog paths pointed at the source tree)
sed -e "s|/usr/share/nocd/probes|$top_srcdir/probes|" \
    -e "s|/usr/share/nocd/mibs/|$top_srcdir/mibs/|" \
    -e "s|/var/lib/nocd|$T_DIR/state|" "$top_srcdir/etc/nocd.conf.example" >"$conf"
out=$("$NOCD" -n -c "$conf" 2>&1)
check "example config is OK" [ "$out" = "configuration OK" ]

printf 'state_dir = "%s";\npoll = {\n  interval = 60;\n  timeuot_ms = 5;\n};\n' \
    "$T_DIR/state" >"$conf"
out=$("$NOCD" -n -c "$conf" 2>&1); rc=$?
check "unknown key exits 1" [ $rc = 1 ]
check "unknown key names file and line" [ "$out" = "$conf:4: unknown key 'poll.timeuot_ms'" ]

printf 'devices = (\n  { name = "a"; address = "10.0.0.1"; version = "3"; user = "u";\n    auth_key = "s3cr"; }\n);\n' >"$conf"
out=$("$NOCD" -n -c "$conf" 2>&1); rc=$?
check "short key refused" [ $rc = 1 ]
check "short key message has the line" sh -c "echo '$out' | grep -q '^$conf:2: device a: auth_key must be at least 8'"
check "the secret is not printed" sh -c "! echo '$out' | grep -q s3cr"

printf 'poll = { interval = 60 \n' >"$conf"
out=$("$NOCD" -n -c "$conf" 2>&1); rc=$?
check "syntax error exits 1 with file:line" sh -c "[ $rc = 1 ] && echo '$out' | grep -q '^$conf:[0-9]*: syntax error'"

out=$("$NOCD" -n -c "$T_DIR/absent.conf" 2>&1); rc=$?
check "missing file exits 1" [ $rc = 1 ]

# a broken probe file is named with its line and fails the check
mkdir -p "$T_DIR/probes"
cp "$top_srcdir"/probes/*.conf "$T_DIR/probes/"
printf 'probes = ( { name = "x"; kind = "table"; columns = ( { name = "a"; oid = "1.3.6.bogus"; } ); } );\n' \
    >"$T_DIR/probes/zz-broken.conf"
printf 'probedirs = [ "%s" ];\n' "$T_DIR/probes" >"$conf"
out=$("$NOCD" -n -c "$conf" 2>&1); rc=$?
check "broken probe file exits 1" [ $rc = 1 ]
check "broken probe file is named" sh -c "echo '$out' | grep -q 'zz-broken.conf:1:'"

# a profile with a bad rule is named; the other profiles still load
rm "$T_DIR/probes/zz-broken.conf"
printf 'rules = (\n { name = "r"; metric = "ups.charge"; below = 5.0; severity = "loud";\n   category = "power"; } );\n' \
    >"$T_DIR/probes/zz-rule.conf"
out=$("$NOCD" -n -c "$conf" 2>&1); rc=$?
check "bad rule in a profile exits 1" [ $rc = 1 ]
check "bad rule is named with file and line" sh -c "echo '$out' | grep -q 'zz-rule.conf:2: rule r: severity'"
rm "$T_DIR/probes/zz-rule.conf"
# a rule in nocd.conf about a column no probe has
{ printf 'probedirs = [ "%s" ];\n' "$T_DIR/probes"
  printf 'rules = ( { name = "r"; metric = "ups.nosuch"; below = 5.0; severity = "major"; category = "power"; } );\n'
} >"$conf"
"$NOCD" -n -c "$conf" >"$T_DIR/out" 2>&1; rc=$?
check "rule on an unknown column exits 1" [ $rc = 1 ]
check "and says which" grep -q "nocd.conf:2: rule r: probe ups has no column 'nosuch'" "$T_DIR/out"
printf 'probedirs = [ "%s" ];\n' "$T_DIR/probes" >"$conf"

# a broken trap catalog and syslog rules are named with file and line
printf 'traps = (\n { oid = "1.3.6.1.6.3.1.1.5.3"; name = "linkDown"; type = "link_down"; severity = "loud"; } );\n' \
    >"$T_DIR/traps.conf"
printf 'trap = { catalog = "%s"; };\n' "$T_DIR/traps.conf" >>"$conf"
"$NOCD" -n -c "$conf" >"$T_DIR/out" 2>&1; rc=$?
check "broken trap catalog exits 1" [ $rc = 1 ]
check "and is named" grep -q "traps.conf:2: trap 1.3.6.1.6.3.1.1.5.3: severity" "$T_DIR/out"
printf 'syslog_rules = (\n { name = "x"; type = "y"; match = "(unclosed"; } );\n' >"$T_DIR/sr.conf"
printf 'probedirs = [ "%s" ];\nsyslog = { rules = "%s"; };\n' "$T_DIR/probes" "$T_DIR/sr.conf" >"$conf"
"$NOCD" -n -c "$conf" >"$T_DIR/out" 2>&1; rc=$?
check "broken syslog rule exits 1" [ $rc = 1 ]
check "and is named" grep -q "sr.conf:2: syslog rule x: match" "$T_DIR/out"
printf 'probedirs = [ "%s" ];\n' "$T_DIR/probes" >"$conf"

# an alert channel that would need a shell is refused, with its line
printf 'probedirs = [ "%s" ];\nalerts = { channels = (\n { name = "p"; type = "command"; command = [ "page | mail" ]; } ); };\n' \
    "$T_DIR/probes" >"$conf"
"$NOCD" -n -c "$conf" >"$T_DIR/out" 2>&1; rc=$?
check "command channel without an absolute program exits 1" [ $rc = 1 ]
check "and names the line" grep -q "nocd.conf:3: channel p: command" "$T_DIR/out"
printf 'probedirs = [ "%s" ];\n' "$T_DIR/probes" >"$conf"

"$NOCCTL" -c "$conf" frobnicate >/dev/null 2>&1; rc=$?
check "nocctl usage error exits 2" [ $rc = 2 ]
printf 'state_dir = "%s";\n' "$T_DIR/nowhere" >"$conf"
"$NOCCTL" -c "$conf" devices >/dev/null 2>&1; rc=$?
check "nocctl runtime error exits 1" [ $rc = 1 ]

finish
