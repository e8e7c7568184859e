#!/bin/sh
# The inspection and hardware maintenance reports against a known room of
# snmpsimd recordings: a UPS on battery, a room at 38.5 C, a switch with a
# failed fan, a NetApp volume at 93 %, a Linux server, a host whose system
# group holds HTML and script, and a device that never answers. After a few
# polls, assets set and a ticket acknowledged, both reports are made in both
# languages and checked: every section, the figures of the room, escaping,
# UTF-8, exit codes, and (with chromium) that they print to PDF.
. "$top_srcdir/tests/lib.sh"
need snmpsimd snmpget python3

P=$(free_port)
DEAD=$(free_port)
a="$T_DIR/data"
mkdir -p "$a"
cp "$top_srcdir/etc/demo/data/ups-onbattery.snmprec" "$top_srcdir/etc/demo/data/storage.snmprec" \
    "$top_srcdir/etc/demo/data/server.snmprec" "$a/"
cp "$top_srcdir/tests/integration/data/env-alarm.snmprec" \
    "$top_srcdir/tests/integration/data/switch-fanfail.snmprec" \
    "$top_srcdir/tests/integration/data/report-xss.snmprec" "$a/"
start_snmpsim "$a" "$P"

conf="$T_DIR/nocd.conf"
{
	echo "  { name = \"ups\"; address = \"127.0.0.1\"; port = $P; community = \"ups-onbattery\"; },"
	echo "  { name = \"env\"; address = \"127.0.0.1\"; port = $P; community = \"env-alarm\"; },"
	echo "  { name = \"array\"; address = \"127.0.0.1\"; port = $P; community = \"storage\"; },"
	echo "  { name = \"sw\"; address = \"127.0.0.1\"; port = $P; community = \"switch-fanfail\"; },"
	echo "  { name = \"srv\"; address = \"127.0.0.1\"; port = $P; community = \"server\"; },"
	echo "  { name = \"xss\"; address = \"127.0.0.1\"; port = $P; community = \"report-xss\"; },"
	echo "  { name = \"dead\"; address = \"127.0.0.1\"; port = $DEAD; community = \"public\"; }"
} | POLL_INTERVAL=5 POLL_TIMEOUT_MS=400 POLL_RETRIES=0 RRD_WRITE_CACHE=600 write_conf "$conf"
# nocd holds the archives' updates: the report has it write them first
grep -q 'write_cache = 600' "$conf" || die "could not set rrd.write_cache"
"$NOCD" -n -c "$conf" >/dev/null || die "config refused"
start_nocd "$conf"

C() { "$NOCCTL" -c "$conf" "$@"; }
has_ticket() {
	C tickets list --state all --json | python3 -c '
import json, sys
rule, dev = sys.argv[1:3]
sys.exit(0 if any(t["rule"] == rule and t["device"] == dev for t in json.load(sys.stdin)) else 1)' "$1" "$2"
}
ticket_id() {
	C tickets list --state all --json | python3 -c '
import json, sys
rule, dev = sys.argv[1:3]
print([t["id"] for t in json.load(sys.stdin) if t["rule"] == rule and t["device"] == dev][0])' "$1" "$2"
}
polled() { [ "$(device_field "$conf" "$1" status)" = up ]; }

for d in ups env array sw srv xss; do
	wait_for 30 polled "$d" || die "$d was not polled"
done
for rd in ups_on_battery:ups room_temp_high:env netapp_vol_full:array cisco_fan_state:sw \
    device_unreachable:dead; do
	wait_for 40 has_ticket "${rd%%:*}" "${rd#*:}" || die "no ${rd%%:*} ticket for ${rd#*:}"
done
# a few more polls into the archives
sleep 11

soon=$(python3 -c 'import datetime; print((datetime.date.today() + datetime.timedelta(days=30)).isoformat())')
C asset set array --purchase-date 2019-03-01 --warranty-end "$soon" --asset-tag A-0007 ||
	die "asset set array"
C asset set sw --purchase-date 2015-06-01 --warranty-end 2020-01-31 || die "asset set sw"
ups_id=$(ticket_id ups_on_battery ups)
C tickets ack "$ups_id" --by duty1 --note "generator started <b>now</b>" || die "ack"
fan_id=$(ticket_id cisco_fan_state sw)
C tickets resolve "$fan_id" --by li.wei --note "fan tray replaced" || die "resolve"
C devices --json >"$T_DIR/devices.json" || die "devices"

R="$T_DIR/reports"
mkdir -p "$R"
for kind in inspection hardware; do
	for lang in en zh_CN; do
		C report "$kind" --since 30d --lang "$lang" -o "$R/$kind-$lang.html" ||
			die "report $kind $lang"
	done
done
LANG=zh_CN.UTF-8 C report inspection -o "$R/default-zh.html" || die "report with LANG=zh_CN"
LANG=C C report hardware -o - >"$R/stdout.html" || die "report to stdout"

# check_report FILE KIND LANG: one Python pass over one report; prints what fails.
check_report() {
	python3 - "$1" "$2" "$3" "$T_DIR/devices.json" "$soon" <<'EOF'
import html.parser, json, re, sys
path, kind, lang, devices_json, soon = sys.argv[1:6]
raw = open(path, "rb").read()
problems = []
try:
    doc = raw.decode("utf-8", errors="strict")
except UnicodeDecodeError as e:
    print("not UTF-8:", e); sys.exit(1)

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sections, self.h2, self.stack, self.cur = {}, {}, [], None
        self.rows, self.row, self.cell, self.tags, self.all = [], None, None, [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.all.append((tag, a))
        if tag == "section":
            self.cur = a.get("id")
            self.sections[self.cur] = ""
        if tag == "tr":
            self.row = []
        if tag in ("td", "th"):
            self.cell = ""
        if tag == "br" and self.cell is not None:
            self.cell += "\n"
    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.rows.append((self.cur, self.row))
            self.row = None
    def handle_data(self, data):
        if self.cur:
            self.sections[self.cur] += data
        if self.cell is not None:
            self.cell += data
        if self.tags and self.tags[-1] == "h2" and self.cur:
            self.h2[self.cur] = self.h2.get(self.cur, "") + data

p = P()
p.feed(doc)
zh = lang == "zh_CN"
want = {
    "inspection": [("checked", "What was checked and when", "巡检范围与时间"),
                   ("status", "Device status and availability", "设备状态与可用率"),
                   ("problems", "Problems found and their handling", "发现的问题及处理情况"),
                   ("environment", "Environment ranges", "机房环境数据范围"),
                   ("advice", "Advice", "建议")],
    "hardware": [("summary", "Status summary by class", "按设备类别的状态汇总"),
                 ("faults", "Fault records", "故障记录"),
                 ("performance", "Performance analysis", "性能分析"),
                 ("capacity", "Capacity forecast", "容量预测"),
                 ("ageing", "Ageing and warranty", "设备老化与保修"),
                 ("advice", "Advice", "建议")],
}[kind]
for sid, en, cn in want:
    if sid not in p.sections:
        problems.append("no section " + sid)
    elif p.h2.get(sid, "").strip() != (cn if zh else en):
        problems.append("section %s heading %r" % (sid, p.h2.get(sid)))
if ('lang="zh-CN"' if zh else 'lang="en"') not in doc:
    problems.append("html lang attribute")
if "@page" not in doc or "size: A4" not in doc:
    problems.append("no A4 print style")
bad = [t for t, a in p.all if t in ("script", "link", "img", "iframe", "object", "a", "b", "i")
       or "src" in a or "href" in a or any(k.startswith("on") for k in a)]
if bad or "url(" in doc:
    problems.append("markup or an external resource that should not be there: %r" % bad[:3])

def rows(section):
    return [r for s, r in p.rows if s == section]
def row_of(section, *cells):
    for r in rows(section):
        if all(any(c == x or c in x for x in r) for c in cells):
            return r
    return None
def num(s):
    m = re.search(r"-?\d+(\.\d+)?", s)
    return float(m.group(0)) if m else None

if kind == "inspection":
    # the device strings: as text, never as markup
    if "&lt;script&gt;alert(&quot;descr&quot;)&lt;/script&gt;" not in doc:
        problems.append("sysDescr not shown escaped")
    if "&lt;img src=x onerror=alert(2)&gt;" not in doc:
        problems.append("sysName not shown escaped")
    if "Room &lt;i&gt;B&lt;/i&gt;" not in doc or "\u202e" in doc:
        problems.append("sysLocation not escaped, or its right-to-left override kept")
    devs = json.load(open(devices_json))
    status_rows = [r for r in rows("status") if r and r[0].split()[0] in [d["name"] for d in devs]]
    if len(status_rows) != len(devs):
        problems.append("status table has %d devices, not %d" % (len(status_rows), len(devs)))
    r = row_of("status", "dead")
    if r is None or num(r[6]) is None or num(r[6]) >= 99.9:
        problems.append("the dead device's availability is not below 99.9: %r" % (r,))
    r = [x for x in rows("status") if x and x[0].split()[0] == "env"]
    if not r or num(r[0][6]) != 100.0:
        problems.append("env's availability is not 100: %r" % (r,))
    r = row_of("environment", "env", "Room temp rack A")
    if r is None:
        problems.append("no environment row for Room temp rack A")
    elif num(r[5]) != 38.5 or num(r[3]) != 38.5:
        problems.append("Room temp rack A min/max not 38.5: %r" % (r,))
    elif r[8] != ("RRD 历史数据" if zh else "RRD archive") or num(r[7]) < 3:
        problems.append("Room temp rack A not from the archive (held updates written?): %r" % (r,))
    r = row_of("environment", "ups", "UPS 电池电量" if zh else "UPS battery charge")
    if r is None:
        problems.append("no UPS charge row")
    r = row_of("problems", "ups", "duty1")
    if r is None or "generator started <b>now</b>" not in r[-1]:
        problems.append("the UPS ticket's handling (ack by duty1, note) is missing: %r" % (r,))
    if "<b>now</b>" in doc:
        problems.append("an operator's note shown as markup")
    r = row_of("problems", "sw", "fan tray replaced")
    if r is None or not re.search(r"\d\d:\d\d", r[8]) or "li.wei" not in r[9]:
        problems.append("the fan ticket's resolution is missing: %r" % (r,))
    for dev in ("env", "sw", "array", "dead"):
        if row_of("problems", dev) is None:
            problems.append("no problem row for " + dev)
    adv = p.sections.get("advice", "")
    for needle in (["38.5", "dead", "ups"]):
        if needle not in adv:
            problems.append("advice does not mention " + needle)
    if ("18–27 C" not in adv):
        problems.append("no temperature advice")
else:
    devs = json.load(open(devices_json))
    by_class = {}
    for d in devs:
        c = by_class.setdefault(d["class"] or "", [0, 0, 0, 0])
        c[0] += 1
        c[1 if d["status"] == "up" else 2 if d["status"] == "down" else 3] += 1
    for cls, counts in by_class.items():
        r = ([x for x in rows("summary") if x and x[0] == cls] or [None])[0] if cls else None
        if cls and (r is None or [num(x) for x in r[1:5]] != counts):
            problems.append("class %s: %r, devices --json says %r" % (cls, r, counts))
    for dev in ("sw", "ups", "env"):
        if row_of("faults", dev) is None:
            problems.append("no fault record for " + dev)
    if row_of("faults", "dead") is not None:
        problems.append("an availability ticket among the fault records")
    r = row_of("capacity", "array", "/vol/vol_vmware/")
    if r is None or num(r[2]) != 93.0:
        problems.append("the 93 %% volume is not in the capacity forecast: %r" % (r,))
    r = row_of("performance", "srv")
    if r is None or num(r[2]) is None:
        problems.append("no CPU figures for the server: %r" % (r,))
    r = row_of("ageing", "array", soon)
    if r is None or ("90 天内到期" if zh else "ends within 90 days") not in r[-1]:
        problems.append("the warranty ending soon is not in ageing: %r" % (r,))
    r = row_of("ageing", "sw", "2020-01-31")
    if r is None or ("已过保" if zh else "expired") not in r[-1] or num(r[5]) < 10:
        problems.append("the expired, old switch is not in ageing: %r" % (r,))
    adv = p.sections.get("advice", "")
    for needle in ("/vol/vol_vmware/", soon, "2020-01-31"):
        if needle not in adv:
            problems.append("advice does not mention " + needle)
for x in problems:
    print(x)
sys.exit(1 if problems else 0)
EOF
}

for kind in inspection hardware; do
	for lang in en zh_CN; do
		check "$kind report ($lang): sections, figures, escaping, UTF-8" \
		    check_report "$R/$kind-$lang.html" "$kind" "$lang"
	done
done
check "LANG=zh_CN.UTF-8 gives the Chinese report" grep -q 'lang="zh-CN"' "$R/default-zh.html"
check "LANG=C gives English on standard output" check_report "$R/stdout.html" hardware en

# exit codes: 2 for usage, 1 at run time
C report >/dev/null 2>&1
check "no kind: exit 2" [ $? = 2 ]
C report audit -o "$R/x.html" >/dev/null 2>&1
check "unknown kind: exit 2" [ $? = 2 ]
C report inspection >/dev/null 2>&1
check "no -o: exit 2" [ $? = 2 ]
C report inspection --lang fr -o "$R/x.html" >/dev/null 2>&1
check "unknown language: exit 2" [ $? = 2 ]
C report inspection --since yesterday -o "$R/x.html" >/dev/null 2>&1
check "bad --since: exit 2" [ $? = 2 ]
C report inspection -o "$T_DIR/no/such/dir/x.html" >/dev/null 2>&1
check "unwritable output: exit 1" [ $? = 1 ]
check "and no file left behind" [ ! -e "$R/x.html" ]
# what is not a regular file is written through, never renamed over
: >"$R/target.html"
ln -s "$R/target.html" "$R/link.html"
C report hardware -o "$R/link.html" >/dev/null 2>&1
check "a symlink is written through" sh -c "[ -L '$R/link.html' ] && grep -q '</html>' '$R/target.html'"
mkfifo "$R/fifo"
timeout 30 cat "$R/fifo" >"$R/from-fifo.html" &
reader=$!
timeout 30 "$NOCCTL" -c "$conf" report hardware -o "$R/fifo" >/dev/null 2>&1
wait $reader
check "a pipe is written through" sh -c "[ -p '$R/fifo' ] && grep -q '</html>' '$R/from-fifo.html'"
sed "s|^state_dir = .*|state_dir = \"$T_DIR/empty\";|" "$conf" >"$T_DIR/empty.conf"
"$NOCCTL" -c "$T_DIR/empty.conf" report inspection -o "$R/x.html" >/dev/null 2>&1
check "no database: exit 1" [ $? = 1 ]

# printable: headless Chromium turns each into a PDF
if command -v chromium >/dev/null 2>&1; then
	for f in inspection-en inspection-zh_CN hardware-en hardware-zh_CN; do
		rm -f "$R/$f.pdf"
		timeout 120 chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer \
		    --user-data-dir="$T_DIR/chromium" --print-to-pdf="$R/$f.pdf" \
		    "file://$R/$f.html" >"$T_DIR/chromium-$f.log" 2>&1
		check "$f prints to PDF" sh -c "[ \"\$(head -c 4 '$R/$f.pdf')\" = '%PDF' ] &&
		    [ \$(wc -c <'$R/$f.pdf') -gt 5000 ]"
	done
else
	log "chromium is not installed: PDF printing not checked"
fi

finish
