#!/bin/sh
# report.sh: `qrel report` in every format on the sample review (HTML well-formed and
# self-contained, CSV and JSON parsed back, PDF through headless Chromium when it is
# installed), then the dashboard: P, the heat map, Enter to the rubric, x to export.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")

for f in html md csv json; do
	check "qrel report --format $f writes the sample review's report" \
		"$QREL" report --db "$DB" --as "$LEAD" --format "$f" -o "$T/r.$f"
done
check "-o with .md and no --format writes Markdown" sh -c \
	"'$QREL' report --db '$DB' --as '$LEAD' -o '$T/x.md' && head -n 1 '$T/x.md' | grep -q '^# '"
check "--site limits the report to one site" sh -c \
	"'$QREL' report --db '$DB' --as '$LEAD' --site RHS --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [s[\"code\"] for s in d[\"sites\"]] == [\"RHS\"]'"
check "an unknown site is refused" sh -c "! '$QREL' report --db '$DB' --site NOPE -o '$T/no.html' 2>/dev/null"

# HTML: HTML5 element names are unknown to libxml2's HTML 4 parser; any other
# complaint is a real defect. A tag-balance check backs it up.
html_errors() {
	xmllint --html --noout "$1" 2>&1 | grep 'error' |
		grep -Ev 'Tag (header|section|footer|svg|text|rect|line|polyline|circle|figure) invalid' || true
}
if command -v xmllint >/dev/null; then
	E=$(html_errors "$T/r.html")
	if [ -z "$E" ]; then ok "HTML parses without errors (xmllint)"; else not_ok "HTML parses without errors (xmllint)" "$E"; fi
else
	ok "HTML parses without errors # SKIP xmllint not installed"
fi
cat >"$T/balance.py" <<'EOF'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "rect", "img", "hr", "link", "input", "col"}
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        pass
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.bad.append("unexpected </%s> at %s (open: %s)" % (tag, self.getpos(), self.stack[-3:]))
        else:
            self.stack.pop()
p = P()
p.feed(open(sys.argv[1], encoding="utf-8").read())
if p.bad or p.stack:
    print(p.bad[:3], p.stack)
    sys.exit(1)
EOF
check "HTML tags are balanced" python3 "$T/balance.py" "$T/r.html"
check "HTML is self-contained: no script, no external resource" sh -c \
	"! grep -Eiq '<script|<link|<img|<iframe|src=|@import|url\\(' '$T/r.html'"
check "HTML has print rules (@page, break-inside)" sh -c "grep -q '@page' '$T/r.html' && grep -q 'break-inside:avoid' '$T/r.html'"
check "HTML shows the cover, a domain grid, findings and agreement" sh -c \
	"grep -q 'Riverbend Unified QREL 2026' '$T/r.html' && grep -q 'class=\"grid\"' '$T/r.html' && grep -q 'Subgroup findings' '$T/r.html' && grep -q 'Rater agreement' '$T/r.html'"
check "HTML has an inline SVG chart per finding" sh -c "grep -q '<svg xmlns=' '$T/r.html'"
check "the district's suspension finding (risk ratio 5.29) is in the report" grep -q 'risk ratio 5.29' "$T/r.html"
check "withheld groups show as * with the suppression note" sh -c \
	"grep -q '<td class=\"num\">\\*</td>' '$T/r.html' && grep -q 'withheld to protect privacy' '$T/r.html'"

check "CSV parses back with a fixed column count" python3 -c "
import csv, sys
rows = list(csv.reader(open('$T/r.csv', newline='', encoding='utf-8')))
assert rows[0] == ['section','site','domain','cluster','year','metric','dimension','item','field','value'], rows[0]
assert all(len(r) == 10 for r in rows), [r for r in rows if len(r) != 10][:1]
assert {'cover','team','method','grid','evidence','subgroup','agreement'} <= {r[0] for r in rows}
"
check "CSV lines end in CRLF" sh -c "head -n 1 '$T/r.csv' | od -c | grep -q '\\\\r  \\\\n'"
check "JSON is valid and has the documented keys" python3 -c "
import json
d = json.load(open('$T/r.json', encoding='utf-8'))
for k in ('format','version','review','team','method','sites','domains','agreement','subgroup_findings','action_plan'):
    assert k in d, k
assert d['format'] == 'qrel-report' and len(d['domains']) == 4
assert d['agreement']['cohen_kappa'] is None and d['agreement']['undefined']['cohen_kappa']
"
check "no suppressed count leaks into the JSON" python3 -c "
import json
d = json.load(open('$T/r.json', encoding='utf-8'))
for t in d['subgroup_findings']['tables']:
    for g in t['groups']:
        if g['suppressed']:
            assert g['count'] == '*' and g['rate'] == '*' and g['risk_ratio'] == '*', g
"

# Headless Chromium renders the HTML to a PDF (Debian package chromium).
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
	"$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$T/chrome" \
		--print-to-pdf="$T/r.pdf" "file://$T/r.html" >"$T/chrome.log" 2>&1
	if [ -s "$T/r.pdf" ] && [ "$(wc -c <"$T/r.pdf")" -gt 20000 ] && head -c 5 "$T/r.pdf" | grep -q '%PDF'; then
		ok "headless Chromium prints the HTML report to a PDF"
	else
		not_ok "headless Chromium prints the HTML report to a PDF" "$(tail -n 5 "$T/chrome.log")"
	fi
else
	ok "headless Chromium prints the HTML report to a PDF # SKIP chromium not installed"
fi

# ---- the dashboard ----
cd "$T" || exit 1
start 80x24 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys P
check "P opens the dashboard heat map" wait_for "Dashboard: consensus levels, sites 1-7 of 7"
check "the heat map has a row per site with real levels" sh -c \
	"tmux -L '$TMUX_SOCKET' capture-pane -p -t qrel | grep -Eq '^EHS +2 +\\. +2 '"
check "agreement per cluster under the map" wait_for "agr%"
# 1.3 at EHS has raters two apart and a consensus: settled, so neither ! nor listed.
check "the lists of what needs attention" wait_for "Discuss (raters 2 apart), this page (3): 2.4@DO 2.3@EHS 4.3@MMS"
# EHS is the second site; 1.3 the third cluster: raters two levels apart there.
keys j l l
check "the selected cell's detail" wait_for "1.3 Discipline and exclusion, at EHS"
check "its spread of two is shown" wait_for "spread 2"
keys Tab
check "Tab lists what needs attention in full" wait_for "Needs attention"
keys Tab
keys x
check "x asks for a format" wait_for "Export the report as (h)tml"
keys h
check "then for a path, the current folder by default" wait_for "Save the html report to: qrel-report.html_"
keys Enter
check "the status line says where the report went" wait_for "Report (html) written to qrel-report.html"
check "the exported file is the HTML report" grep -q 'Rater agreement' "$T/qrel-report.html"
keys x j
keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
keys "$T/out.json" Enter
check "x, j and a typed path write JSON there" wait_for "Report (json) written to $T/out.json"
check "the typed path holds valid JSON" python3 -c "import json; json.load(open('$T/out.json'))"
keys Enter
check "Enter opens the rubric for the selected site" wait_for "rubric  site EHS"
keys P
keys v
check "v shows the rater's own levels" wait_for "Dashboard: your levels"
keys q
wait_exit >/dev/null

# Larger terminal: every cluster in one view, more rows.
start 120x40 --db "$DB" --as "$LEAD"
wait_for "Review overview" >/dev/null
keys P
check "120x40: the dashboard draws" wait_for "Dashboard: consensus levels, sites 1-7 of 7"
keys q

finish
