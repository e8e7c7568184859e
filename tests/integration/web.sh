#!/bin/sh
# The web console end to end: nocd binds listen.http and runs nocweb, which
# serves the pages from the database nocd fills from snmpsimd recordings. One
# device answers with HTML and script in sysDescr and sysName: it must show as
# text everywhere. Users are made with nocctl; logins, CSRF and cross-site
# refusals, roles, /metrics, both languages and the inventory download are
# checked with curl; headless Chromium (driven over --remote-debugging-pipe)
# logs in, sees the dashboard, opens a device with its graphs and
# acknowledges a ticket, and its screenshots must not be blank.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3 curl sqlite3
: "${NOCWEB:=$top_builddir/daemon/nocweb}"
[ -x "$NOCWEB" ] || skip "nocweb is not built"

PA=$(free_port)
HP=$(free_port)
SP=$(free_port)
DEAD=$(free_port)	# nothing answers there
data="$T_DIR/data"
mkdir -p "$data"
cp "$top_srcdir/etc/demo/data/ups-onbattery.snmprec" "$top_srcdir/etc/demo/data/core-switch.snmprec" "$data/"
# a server whose system group is hostile
XSS='<script>alert(1)</script><b>x</b>"onmouseover=alert(2) x='"'"'y'"'"''
sed -e "s~^1\.3\.6\.1\.2\.1\.1\.1\.0|4|.*~1.3.6.1.2.1.1.1.0|4|$XSS sysdescr~" \
    -e "s~^1\.3\.6\.1\.2\.1\.1\.5\.0|4|.*~1.3.6.1.2.1.1.5.0|4|<img src=x onerror=alert(3)>~" \
    "$top_srcdir/etc/demo/data/server.snmprec" >"$data/xss.snmprec"
start_snmpsim "$data" "$PA"

conf="$T_DIR/nocd.conf"
{
	echo "  { name = \"ups\"; address = \"127.0.0.1\"; port = $PA; community = \"ups-onbattery\"; },"
	echo "  { name = \"xss\"; address = \"127.0.0.1\"; port = $PA; community = \"xss\"; },"
	echo "  { name = \"core\"; address = \"127.0.0.1\"; port = $PA; community = \"core-switch\"; },"
	echo "  { name = \"gone\"; address = \"127.0.0.1\"; port = $DEAD; community = \"public\"; }"
} | POLL_INTERVAL=5 POLL_TIMEOUT_MS=1000 SYSLOG_LISTEN="\"udp:127.0.0.1:$SP\"" write_conf "$conf"
sed -i "s~http = \[ \]~http = [ \"127.0.0.1:$HP\" ]~" "$conf"
echo 'web = { anonymous_view = false; language = "auto"; session_timeout = 3600; };' >>"$conf"
"$NOCD" -n -c "$conf" >/dev/null || die "config refused"
bad="$T_DIR/bad.conf"
sed 's/language = "auto"/language = "fr"/' "$conf" >"$bad"
check "web.language is checked with its line" sh -c "'$NOCD' -n -c '$bad' 2>&1 | grep -q '^$bad:[0-9]*: web.language must be'"
sed 's/anonymous_view = false/anonymous_view = 1/' "$conf" >"$bad"
check "web.anonymous_view must be a boolean" sh -c "! '$NOCD' -n -c '$bad' >/dev/null 2>&1"
start_nocd "$conf"

U="http://127.0.0.1:$HP"
C() { "$NOCCTL" -c "$conf" "$@"; }
# curl quietly, bounded; extra arguments pass through
get() { curl -sS --max-time 20 "$@"; }
code() { curl -s -o /dev/null --max-time 20 -w '%{http_code}' "$@"; }
wait_for 15 get -o /dev/null "$U/login" || die "nocweb does not answer on $HP"

# users: passwords on stdin (not a terminal: one line)
echo 'operator-pass-1' | C user add op --role operator || die "user add op"
echo 'viewer-pass-1' | C user add watcher --role viewer || die "user add watcher"
echo 'admin-pass-1' | C user add boss --role admin || die "user add boss"
check "a second user of the same name is refused" sh -c "! echo 'xxxxxxxx1' | '$NOCCTL' -c '$conf' user add op --role admin 2>/dev/null"
check "a short password is refused" sh -c "! echo short | '$NOCCTL' -c '$conf' user add shorty --role viewer 2>/dev/null"
check "user list shows the users" sh -c "'$NOCCTL' -c '$conf' user list | grep -q '^op .*operator' && '$NOCCTL' -c '$conf' user list | grep -q '^watcher .*viewer'"
check "hashes are yescrypt" sh -c "sqlite3 '$T_DIR/state/nocd.db' 'SELECT hash FROM users' | grep -c '^\\\$y\\\$' | grep -qx 3"

# login JAR USER PASSWORD: the form's token comes with its cookie
login() {
	jar=$1
	rm -f "$jar"
	lt=$(get -c "$jar" "$U/login" | sed -n 's/.*name="lt" value="\([0-9a-f]*\)".*/\1/p')
	[ -n "$lt" ] || return 1
	code -b "$jar" -c "$jar" -d "lt=$lt" --data-urlencode "user=$2" --data-urlencode "password=$3" \
	    "$U/login"
}
OP="$T_DIR/op.jar"
VIEW="$T_DIR/viewer.jar"

check "unauthenticated dashboard redirects to the login" \
    sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' '$U/')\" = '303 $U/login' ]"
hdrs=$(get -D - -o /dev/null "$U/login")
check "CSP default-src 'self'" sh -c "echo \"\$1\" | grep -qi \"^content-security-policy: default-src 'self'\"" _ "$hdrs"
check "X-Frame-Options DENY" sh -c "echo \"\$1\" | grep -qi '^x-frame-options: DENY'" _ "$hdrs"
check "nosniff" sh -c "echo \"\$1\" | grep -qi '^x-content-type-options: nosniff'" _ "$hdrs"
check "a wrong password is refused" sh -c '[ "$1" = 403 ]' _ "$(login "$T_DIR/bad.jar" op wrong-password)"
check "operator logs in" sh -c '[ "$1" = 303 ]' _ "$(login "$OP" op operator-pass-1)"
check "viewer logs in" sh -c '[ "$1" = 303 ]' _ "$(login "$VIEW" watcher viewer-pass-1)"
check "session cookie is HttpOnly and SameSite=Strict" sh -c "
	rm -f '$T_DIR/h.jar'
	lt=\$(curl -s -c '$T_DIR/h.jar' '$U/login' | sed -n 's/.*name=\"lt\" value=\"\\([0-9a-f]*\\)\".*/\\1/p')
	curl -s -D - -o /dev/null -b '$T_DIR/h.jar' -d \"lt=\$lt&user=watcher&password=viewer-pass-1\" '$U/login' |
	    grep -i '^set-cookie: nocweb_session=[0-9a-f]\{64\};' | grep -q 'HttpOnly; SameSite=Strict'"
check "a login comes back to the page asked for" sh -c "
	rm -f '$T_DIR/n.jar'
	loc=\$(curl -s -o /dev/null -w '%{redirect_url}' '$U/devices?class=ups')
	[ \"\$loc\" = '$U/login?next=%2Fdevices%3Fclass%3Dups' ] || exit 1
	lt=\$(curl -s -c '$T_DIR/n.jar' \"\$loc\" | sed -n 's/.*name=\"lt\" value=\"\\([0-9a-f]*\\)\".*/\\1/p')
	[ \"\$(curl -s -o /dev/null -w '%{redirect_url}' -b '$T_DIR/n.jar' -d \"lt=\$lt&user=watcher&password=viewer-pass-1\" --data-urlencode 'next=/devices?class=ups' '$U/login')\" = '$U/devices?class=ups' ]"
check "login refuses to go to another site" sh -c "
	rm -f '$T_DIR/n.jar'
	lt=\$(curl -s -c '$T_DIR/n.jar' '$U/login' | sed -n 's/.*name=\"lt\" value=\"\\([0-9a-f]*\\)\".*/\\1/p')
	[ \"\$(curl -s -o /dev/null -w '%{redirect_url}' -b '$T_DIR/n.jar' -d \"lt=\$lt&user=watcher&password=viewer-pass-1\" --data-urlencode 'next=//evil.example/' '$U/login')\" = '$U/' ]"
check "login without the form token is refused" \
    sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -d 'user=op&password=operator-pass-1' '$U/login')\" = 403 ]"

# the devices are polled, the UPS on battery raises a critical ticket
polled() { status_is "$conf" xss up && status_is "$conf" ups up; }
wait_for 40 polled
check "devices polled" polled
has_crit() { C tickets list --json | grep -q '"severity": "critical"'; }
wait_for 60 has_crit
check "a critical ticket is open" has_crit

dash=$(get -b "$OP" "$U/")
check "dashboard renders for the operator" sh -c 'echo "$1" | grep -q "id=\"dash-alarms\""' _ "$dash"
check "dashboard shows the critical banner" sh -c 'echo "$1" | grep -q "id=\"critical-banner\""' _ "$dash"
check "dashboard refreshes itself" sh -c 'echo "$1" | grep -q "http-equiv=\"refresh\""' _ "$dash"
down_listed() { get -b "$OP" "$U/" | grep -A3 'id="dash-down"' | grep -q 'name=gone"'; }
wait_for 30 down_listed
check "dashboard lists the device that is down" down_listed
for page in "/" "/devices" "/device?name=xss" "/inventory" "/events"; do
	body=$(get -b "$VIEW" "$U$page")
	check "$page: device HTML is escaped" sh -c '! echo "$1" | grep -q "<script>alert\|<img src=x\|<b>x</b>"' _ "$body"
done
dev=$(get -b "$VIEW" "$U/device?name=xss")
check "device page shows sysDescr as text" sh -c 'echo "$1" | grep -qF "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;&quot;onmouseover=alert(2)"' _ "$dev"
check "device page shows sysName as text" sh -c 'echo "$1" | grep -qF "&lt;img src=x onerror=alert(3)&gt;"' _ "$dev"
check "devices list shows sysName as text" sh -c "curl -s -b '$VIEW' '$U/devices' | grep -qF '&lt;img src=x'"
has_graph() { get -b "$VIEW" "$U/device?name=core" | grep -q 'graph.png?device=core'; }
wait_for 30 has_graph
check "device page links graphs for 1h..1y" sh -c "[ \$(curl -s -b '$VIEW' '$U/device?name=core' | grep -o 'graph.png?device=core[^\"]*range=1[hdwmy]' | wc -l) = 5 ]"
gurl=$(get -b "$VIEW" "$U/device?name=core" | grep -o 'graph.png?device=core[^"]*range=1d' | head -n 1 | sed 's/&amp;/\&/g')
get -b "$VIEW" -o "$T_DIR/graph.png" "$U/$gurl"
check "a graph is a PNG" is_png "$T_DIR/graph.png"
check "an unknown device is 404" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$VIEW' '$U/device?name=nope') = 404 ]"

# languages
zh=$(get -b "$VIEW" -H 'Accept-Language: zh-CN,zh;q=0.9,en;q=0.8' "$U/")
en=$(get -b "$VIEW" -H 'Accept-Language: en-US,en;q=0.9' "$U/")
check "Chinese by Accept-Language" sh -c 'echo "$1" | grep -q "<html lang=\"zh-CN\"" && echo "$1" | grep -q "当前告警"' _ "$zh"
check "English by Accept-Language" sh -c 'echo "$1" | grep -q "<html lang=\"en\"" && echo "$1" | grep -q "Current alarms"' _ "$en"
check "?lang= overrides Accept-Language" sh -c "curl -s -b '$VIEW' -H 'Accept-Language: en' '$U/devices?lang=zh_CN' | grep -q '<html lang=\"zh-CN\"'"

# inventory download
check "inventory CSV is an attachment with the columns" sh -c "
	curl -s -D '$T_DIR/inv.h' -o '$T_DIR/inv.csv' -b '$VIEW' '$U/inventory.csv' &&
	grep -qi '^content-disposition: attachment; filename=\"inventory.csv\"' '$T_DIR/inv.h' &&
	head -n 1 '$T_DIR/inv.csv' | grep -q '^device,class,name,description,vendor,model,serial,firmware,hardware_rev' &&
	grep -q '^\"core\"' '$T_DIR/inv.csv'"
check "inventory JSON parses" sh -c "curl -s -b '$VIEW' '$U/inventory.json' | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) > 0'"

# the users page is for admins
BOSS="$T_DIR/boss.jar"
check "admin logs in" sh -c '[ "$1" = 303 ]' _ "$(login "$BOSS" boss admin-pass-1)"
check "an admin sees the users" sh -c "curl -s -b '$BOSS' '$U/users' | grep -q '<td>watcher</td>'"
check "a viewer does not" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$VIEW' '$U/users') = 403 ]"

# filters and searches
check "devices filtered by class" sh -c "curl -s -b '$VIEW' '$U/devices?class=ups' | grep -q 'name=ups\"' && ! curl -s -b '$VIEW' '$U/devices?class=ups' | grep -q 'name=xss\"'"
check "tickets filtered by severity" sh -c "curl -s -b '$VIEW' '$U/tickets?severity=critical&state=all' | grep -q 'UPS on battery' && ! curl -s -b '$VIEW' '$U/tickets?severity=info&state=all' | grep -q 'UPS on battery'"
check "events filtered by source" sh -c "curl -s -b '$VIEW' '$U/events?source=poll&since=1h' | grep -q 'ups_on_battery'"
check "a bad full-text query is an error, not a crash" sh -c "curl -s -b '$VIEW' '$U/events?q=%22unbalanced' | grep -q 'id=\"error\"'"

# a hostile syslog line, found by full-text search and shown as text
if command -v logger >/dev/null 2>&1; then
	logger --udp --rfc5424 -n 127.0.0.1 -P "$SP" -t IOS -p local7.err \
	    '%ENV-2-FAN: fan 3 failed <script>alert(4)</script><iframe src=//evil>' || die "logger"
	found() { get -b "$VIEW" "$U/events?q=fan+AND+failed&since=1h" | grep -q 'fan 3 failed'; }
	wait_for 15 found
	check "syslog full-text search finds the line" found
	check "the syslog line is escaped" sh -c "curl -s -b '$VIEW' '$U/events?q=fan&since=1h' | grep -qF 'fan 3 failed &lt;script&gt;alert(4)&lt;/script&gt;&lt;iframe src=//evil&gt;' && ! curl -s -b '$VIEW' '$U/events?q=fan&since=1h' | grep -q '<iframe\\|<script>alert'"
else
	log "logger is not installed: syslog search checks skipped"
fi

# reports (report.c) in the console
check "inspection report shown" sh -c "curl -s -b '$VIEW' '$U/report?kind=inspection&since=7d' | grep -qi '<html'"
check "hardware report downloads" sh -c "curl -s -D - -o /dev/null -b '$VIEW' '$U/report?kind=hardware&since=30d&download=1' | grep -qi '^content-disposition: attachment; filename=\"hardware-report.html\"'"
check "reports carry no script permission" sh -c "curl -s -D - -o /dev/null -b '$VIEW' '$U/report?kind=inspection' | grep -i '^content-security-policy:' | grep -q \"default-src 'none'\""

# /metrics: a scraper logs in with HTTP Basic
check "/metrics needs a login" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' '$U/metrics') = 401 ]"
get -u watcher:viewer-pass-1 "$U/metrics" >"$T_DIR/metrics.txt"
check "/metrics parses as Prometheus text" python3 - "$T_DIR/metrics.txt" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+$')
names = set()
for l in lines:
    if l.startswith('#'):
        assert re.match(r'^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ', l), l
        continue
    assert sample.match(l), l
    names.add(l.split('{')[0].split(' ')[0])
for n in ('nocd_device_up', 'nocd_device_poll_duration_seconds', 'nocd_up',
          'nocd_store_dropped_total', 'nocd_poller_polls_ok_total', 'nocd_tickets_open'):
    assert n in names, n
assert 'nocd_device_up{device="xss",class="server"} 1' in lines, 'xss up'
PY

# actions: the ticket to act on, the session's CSRF token
TID=$(C tickets list --json | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin) if t["severity"] == "critical" and t["device"] == "ups"][0])')
csrf_of() { get -b "$1" "$U/ticket?id=$TID" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1; }
OPCSRF=$(csrf_of "$OP")
check "the operator's ticket page has the forms" sh -c "curl -s -b '$OP' '$U/ticket?id=$TID' | grep -q 'id=\"do-ack\"'"
check "the viewer's ticket page has no forms" sh -c "! curl -s -b '$VIEW' '$U/ticket?id=$TID' | grep -q 'id=\"do-ack\"'"
post() { code -X POST "$@"; }
check "unauthenticated action refused" sh -c '[ "$1" = 403 ]' _ "$(post -d "id=$TID&action=ack&csrf=$OPCSRF" "$U/ticket")"
check "action without CSRF token refused" sh -c '[ "$1" = 403 ]' _ "$(post -b "$OP" -d "id=$TID&action=ack" "$U/ticket")"
check "action with a wrong CSRF token refused" sh -c '[ "$1" = 403 ]' _ "$(post -b "$OP" -d "id=$TID&action=ack&csrf=0000$OPCSRF" "$U/ticket")"
check "cross-site action refused (Origin)" sh -c '[ "$1" = 403 ]' _ "$(post -b "$OP" -H 'Origin: http://evil.example' -d "id=$TID&action=ack&csrf=$OPCSRF" "$U/ticket")"
check "cross-site action refused (Sec-Fetch-Site)" sh -c '[ "$1" = 403 ]' _ "$(post -b "$OP" -H 'Sec-Fetch-Site: cross-site' -d "id=$TID&action=ack&csrf=$OPCSRF" "$U/ticket")"
VCSRF=$(get -b "$VIEW" "$U/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
check "a viewer cannot act" sh -c '[ "$1" = 403 ]' _ "$(post -b "$VIEW" -d "id=$TID&action=ack&csrf=$VCSRF" "$U/ticket")"
check "the ticket is still open" sh -c "C() { '$NOCCTL' -c '$conf' \"\$@\"; }; C tickets show $TID --json | grep -q '\"state\": \"open\"'"

# login attempts are limited per user
for i in 1 2 3 4 5 6; do login "$T_DIR/x.jar" op "wrong-$i" >/dev/null; done
check "too many failed logins: 429" sh -c '[ "$1" = 429 ]' _ "$(login "$T_DIR/x.jar" op operator-pass-1)"
check "the operator's session still works" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -b '$OP' '$U/tickets') = 200 ]"

# the whole lifecycle from the console on another ticket: assign, resolve, close
T2=$(C tickets list --json | python3 -c 'import json,sys; print([t["id"] for t in json.load(sys.stdin) if t["severity"] != "critical" and t["device"] == "ups"][0])')
state_is() { C tickets show "$T2" --json | grep -q "\"state\": \"$1\""; }
check "assign from the console" sh -c '[ "$1" = 303 ]' _ "$(post -b "$OP" -d "id=$T2&action=assign&to=alice&csrf=$OPCSRF" "$U/ticket")"
check "the ticket is assigned to alice" sh -c "'$NOCCTL' -c '$conf' tickets show $T2 --json | grep -q '\"assignee\": \"alice\"'"
check "assign needs someone" sh -c '[ "$1" = 400 ]' _ "$(post -b "$OP" -d "id=$T2&action=assign&csrf=$OPCSRF" "$U/ticket")"
check "resolve from the console" sh -c '[ "$1" = 303 ]' _ "$(post -b "$OP" -d "id=$T2&action=resolve&note=fixed&csrf=$OPCSRF" "$U/ticket")"
check "the ticket is resolved" state_is resolved
check "close from the console" sh -c '[ "$1" = 303 ]' _ "$(post -b "$OP" -d "id=$T2&action=close&csrf=$OPCSRF" "$U/ticket")"
check "the ticket is closed" state_is closed
check "an unknown action is refused" sh -c '[ "$1" = 400 ]' _ "$(post -b "$OP" -d "id=$T2&action=delete&csrf=$OPCSRF" "$U/ticket")"

# the browser: log in, dashboard, device with graphs, acknowledge the ticket
if ! command -v chromium >/dev/null 2>&1; then
	log "chromium is not installed: browser checks skipped"
	finish
fi
# the rate limit above holds for op: a second operator for the browser
echo 'browser-pass-1' | C user add duty --role operator || die "user add duty"
python3 - "$U" "$TID" "$T_DIR" >"$T_DIR/browser.log" 2>&1 <<'PY'
import base64, json, os, select, subprocess, sys, time, zlib

base, tid, out = sys.argv[1], sys.argv[2], sys.argv[3]
r3, w3 = os.pipe()   # we write, chromium reads (fd 3)
r4, w4 = os.pipe()   # chromium writes (fd 4), we read
def child():
    os.dup2(r3, 3); os.dup2(w4, 4)
proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
    "--remote-debugging-pipe", "--user-data-dir=" + out + "/chromium", "--no-first-run",
    "--window-size=1280,1000", "--lang=en-US", "about:blank"],
    pass_fds=(3, 4), preexec_fn=child, stdout=subprocess.DEVNULL, stderr=open(out + "/chromium.log", "w"))
os.close(r3); os.close(w4)
buf = b""; msg_id = 0; session = None; events = []
def send(method, params=None, sess=True):
    global msg_id
    msg_id += 1
    m = {"id": msg_id, "method": method, "params": params or {}}
    if sess and session: m["sessionId"] = session
    os.write(w3, json.dumps(m).encode() + b"\0")
    return wait(lambda x: x.get("id") == msg_id, 30)
def wait(pred, timeout):
    global buf
    end = time.time() + timeout
    while True:
        while b"\0" in buf:
            raw, buf = buf.split(b"\0", 1)
            m = json.loads(raw)
            if pred(m):
                if "error" in m: raise RuntimeError(m["error"])
                return m
            events.append(m)
        left = end - time.time()
        if left <= 0: raise TimeoutError("no answer from chromium")
        if select.select([r4], [], [], left)[0]:
            chunk = os.read(r4, 1 << 20)
            if not chunk: raise EOFError("chromium went away")
            buf += chunk
def loaded():
    for i, e in enumerate(events):
        if e.get("method") == "Page.loadEventFired":
            del events[: i + 1]; return True
    wait(lambda m: m.get("method") == "Page.loadEventFired", 30)
    return True
def goto(url):
    events.clear(); send("Page.navigate", {"url": url}); loaded()
def js(expr):
    return send("Runtime.evaluate", {"expression": expr, "returnByValue": True})["result"]["result"].get("value")
def shot(name):
    data = base64.b64decode(send("Page.captureScreenshot", {"format": "png"})["result"]["data"])
    open(os.path.join(out, name), "wb").write(data)
    return data
def colours(png):
    # decode the PNG (8-bit RGB/RGBA) with zlib and count distinct pixels
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w = 8, b"", 0
    while pos < len(png):
        n = int.from_bytes(png[pos:pos + 4], "big"); kind = png[pos + 4:pos + 8]
        body = png[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big"), body[8], body[9]
            bpp = {2: 3, 6: 4}[ctype]; assert depth == 8
        elif kind == b"IDAT": idat += body
    raw = zlib.decompress(idat); stride = w * bpp; prev = bytearray(stride); seen = set()
    for y in range(h):
        f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0; b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            for x in range(0, stride, bpp * 2): seen.add(bytes(line[x:x + 3]))
        prev = line
    return len(seen)
ok = True
def expect(desc, cond):
    global ok
    print(("ok: " if cond else "FAIL: ") + desc); sys.stdout.flush()
    ok = ok and bool(cond)
try:
    target = send("Target.createTarget", {"url": "about:blank"}, sess=False)["result"]["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True}, sess=False)["result"]["sessionId"]
    send("Page.enable")
    goto(base + "/")
    expect("browser: the dashboard asks for a login", js("location.pathname") == "/login")
    js("document.getElementById('user').value='duty';document.getElementById('password').value='browser-pass-1';document.getElementById('login').click()")
    loaded()
    expect("browser: logged in to the dashboard", js("location.pathname") == "/" and js("!!document.getElementById('dash-alarms')"))
    text = js("document.body.innerText")
    expect("browser: dashboard shows the critical banner", js("!!document.getElementById('critical-banner')"))
    expect("browser: dashboard lists the devices", "Devices by class" in text and "Current alarms" in text)
    expect("browser: no script of a device ran", js("typeof window.alert") == "function" and "<script>" not in js("document.title"))
    png = shot("dashboard.png")
    expect("browser: dashboard screenshot is not blank (%d colours)" % colours(png), colours(png) > 20)
    goto(base + "/device?name=core")
    time.sleep(1)
    imgs = js("Array.from(document.querySelectorAll('img.graph')).map(i => i.complete && i.naturalWidth > 100).filter(Boolean).length")
    expect("browser: device page shows 5 graphs (%s)" % imgs, imgs == 5)
    js("document.getElementById('graphs').scrollIntoView()")
    png = shot("device.png")
    expect("browser: device screenshot is not blank", colours(png) > 20)
    goto(base + "/device?name=xss")
    expect("browser: hostile sysDescr shown as text", "<script>alert(1)</script><b>x</b>" in js("document.getElementById('sysinfo').innerText"))
    expect("browser: hostile markup made no elements", js("document.querySelectorAll('main b, main img:not(.graph), main script').length") == 0)
    shot("xss.png")
    goto(base + "/ticket?id=" + tid)
    js("document.querySelector('#form-ack input[name=note]').value='seen from the browser';document.getElementById('do-ack').click()")
    loaded()
    expect("browser: acknowledged", "Done:" in js("document.body.innerText") and "acknowledged" in js("document.getElementById('ticket').innerText"))
    png = shot("ticket.png")
    expect("browser: ticket screenshot is not blank", colours(png) > 10)
    goto(base + "/?lang=zh_CN")
    expect("browser: Chinese dashboard", "当前告警" in js("document.body.innerText"))
    shot("dashboard-zh.png")
except Exception as e:
    print("FAIL: browser: %r" % e); ok = False
finally:
    try: send("Browser.close", sess=False)
    except Exception: pass
    try: proc.wait(10)
    except Exception: proc.kill()
sys.exit(0 if ok else 1)
PY
brc=$?
sed 's/^/  /' "$T_DIR/browser.log"
check "the browser flow passed" [ $brc = 0 ]
check "the browser's ack is in the ticket history" sh -c "'$NOCCTL' -c '$conf' tickets show $TID --json | grep -q 'seen from the browser'"
# a new password counts at once; a removed user's session ends
echo 'viewer-pass-2' | C user passwd watcher || die "user passwd"
check "the new password logs in" sh -c '[ "$1" = 303 ]' _ "$(login "$T_DIR/w2.jar" watcher viewer-pass-2)"
check "the old password does not" sh -c '[ "$1" = 403 ]' _ "$(login "$T_DIR/w3.jar" watcher viewer-pass-1)"
C user remove watcher || die "user remove"
check "a removed user's session ends" sh -c '[ "$1" = 303 ]' _ "$(code -b "$VIEW" "$U/devices")"
check "a removed user is not listed" sh -c "! '$NOCCTL' -c '$conf' user list | grep -q '^watcher '"

# web_pid: nocd's child nocweb, from /proc (procps may not be installed)
web_pid() {
	python3 -c 'import os, sys
for p in os.listdir("/proc"):
    try:
        st = open("/proc/%s/stat" % p).read()
    except (OSError, ValueError):
        continue
    comm, rest = st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()
    if comm == "nocweb" and rest[1] == sys.argv[1]:
        print(p)' "$NOCD_PID" | head -n 1
}
# a reload that changes the web group restarts nocweb with it
sed -i 's/language = "auto"/language = "zh_CN"/' "$conf"
kill -HUP "$NOCD_PID"
zh_default() { get "$U/login" | grep -q '<html lang="zh-CN"'; }
wait_for 20 zh_default
check "web.language from a reload" zh_default

WEB_PID=$(web_pid)
check "nocweb runs as nocd's user, not root" sh -c "[ -n '$WEB_PID' ] && grep -q \"^Uid:[[:space:]]*\$(id -u '$T_USER')[[:space:]]\" /proc/$WEB_PID/status"
check "nocweb has no_new_privs" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$WEB_PID/status"
# (a sanitizer build runs without the filter: LeakSanitizer needs ptrace at exit)
grep -q 'syscall filter off' "$T_DIR/nocd.log" ||
	check "nocweb has a seccomp filter" grep -q '^Seccomp:[[:space:]]*2' "/proc/$WEB_PID/status"
# nocd runs nocweb again when it dies
kill -9 "$WEB_PID"
back() { [ "$(code "$U/login")" = 200 ]; }
sleep 1
wait_for 40 back
check "nocd restarted nocweb after it was killed" back
NEW_PID=$(web_pid)
check "a stopped nocd stops nocweb" sh -c "kill $NOCD_PID; i=0; while kill -0 $NEW_PID 2>/dev/null && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done; ! kill -0 $NEW_PID 2>/dev/null"
finish
