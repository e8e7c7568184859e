#!/bin/sh
# Started as root, nocd drops to `user` before it handles any input:
# real/effective/saved uid and gid, no supplementary groups, no capabilities,
# no_new_privs; its files belong to that user.
. "$top_srcdir/tests/lib.sh"
need snmpd snmpget
[ "$(id -u)" = 0 ] || skip "needs root"

P=$(free_port)
start_snmpd "$P"
conf="$T_DIR/nocd.conf"
write_conf "$conf" <<EOF
  { name = "local"; address = "127.0.0.1"; port = $P; community = "public"; }
EOF
start_nocd "$conf"
wait_for 20 status_is "$conf" local up
check "polls after dropping privileges" status_is "$conf" local up

uid=$(id -u nobody); gid=$(id -g nobody)
st="/proc/$NOCD_PID/status"
check "real, effective, saved, fs uid = nobody" grep -q "^Uid:	$uid	$uid	$uid	$uid\$" "$st"
check "real, effective, saved, fs gid = nobody" grep -q "^Gid:	$gid	$gid	$gid	$gid\$" "$st"
check "no supplementary groups" sh -c "grep '^Groups:' '$st' | awk '{ exit NF > 1 && \$2 != $gid }'"
check "no effective capabilities" grep -q "^CapEff:	0000000000000000" "$st"
check "no permitted capabilities" grep -q "^CapPrm:	0000000000000000" "$st"
check "no_new_privs set" grep -q "^NoNewPrivs:	1" "$st"
# the heap on huge pages: nocd started itself once more with glibc's tunable set
check "started again with the heap on huge pages" \
    sh -c "tr '\\0' '\\n' </proc/$NOCD_PID/environ | grep -qx GLIBC_TUNABLES=glibc.malloc.hugetlb=1"
if grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null &&
    ! ldd "$NOCD" 2>/dev/null | grep -q libasan; then
	check "heap marked for huge pages (MADV_HUGEPAGE)" \
	    sh -c "awk '/^[0-9a-f]+-/ { h = /\\[heap\\]/ } h && /^VmFlags/' /proc/$NOCD_PID/smaps | grep -qw hg"
fi
# started again under its own name (pgrep nocd, pidof nocd), not /proc/self/exe's
check "process name is nocd" [ "$(cat /proc/$NOCD_PID/comm)" = nocd ]
# every thread, the store writer included
for t in /proc/$NOCD_PID/task/*; do
	check "thread $(basename "$t") unprivileged" grep -q "^Uid:	$uid	$uid	$uid	$uid\$" "$t/status"
done
check "state_dir owned by nobody" [ "$(stat -c %u "$T_DIR/state")" = "$uid" ]
check "database owned by nobody" [ "$(stat -c %u "$T_DIR/state/nocd.db")" = "$uid" ]
check "control socket owner and group only" [ "$(stat -c %a "$T_DIR/state/nocd.sock")" = 660 ]

# an unknown user is refused before anything is handled
sed -i 's/^user = .*/user = "no-such-user-xyz";/' "$conf"
sed -i "s|^state_dir = .*|state_dir = \"$T_DIR/state2\";|" "$conf"
out=$("$NOCD" -f -c "$conf" 2>&1); rc=$?
check "unknown user: nocd refuses to start" [ $rc != 0 ]
check "unknown user named" sh -c "echo '$out' | grep -q no-such-user-xyz"
check "nocd stops cleanly" stop_nocd
finish
