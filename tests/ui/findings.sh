#!/bin/sh
# findings.sh: the review's deliverable in a real terminal: a reviewer writes a finding on the
# findings screen (F), cites two evidence notes as its key evidence, writes a recommendation from
# it and turns that into a plan objective; the HTML and Markdown reports show all three linked and
# say DRAFT; the lead finalises and the reports say FINAL; the sample's report printed to PDF.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
LEAD=$(sql "$DB" "SELECT name FROM person WHERE role = 'lead'")
REVIEWER=$(sql "$DB" "SELECT name FROM person WHERE role = 'reviewer' ORDER BY name LIMIT 1")
OBSERVER=$(sql "$DB" "SELECT name FROM person WHERE role = 'observer' LIMIT 1")
# Two live notes about cluster 1.2 (access to advanced coursework).
N1=$(sql "$DB" "SELECT n.id FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id
	WHERE c.code = '1.2' AND n.deleted_at IS NULL ORDER BY n.id LIMIT 1")
N2=$(sql "$DB" "SELECT n.id FROM note n JOIN note_cluster nc ON nc.note_id = n.id JOIN cluster c ON c.id = nc.cluster_id
	WHERE c.code = '1.2' AND n.deleted_at IS NULL ORDER BY n.id LIMIT 1 OFFSET 1")
Q1=$(sql "$DB" "SELECT substr(text, 1, 30) FROM note WHERE id = $N1")
Q2=$(sql "$DB" "SELECT substr(text, 1, 30) FROM note WHERE id = $N2")
FINDING="Families hear about advanced courses after places are gone"
REC="Tell every family about advanced courses each September"
BEFORE=$(sql "$DB" "SELECT count(*) FROM finding")
# The sample ships recommendations and an action plan: ours come after them.
NUM=$(sql "$DB" "SELECT coalesce(max(number), 0) + 1 FROM recommendation")
OBJ=$(sql "$DB" "SELECT coalesce(max(o.position), 0) + 1 FROM objective o JOIN plan p ON p.id = o.plan_id
	WHERE p.site_id IS NULL")

# ---- the screen ----
start 100x30 --db "$DB" --as "$REVIEWER"
wait_for "Review overview" >/dev/null
keys F
check "F opens the findings screen" wait_for "Findings and recommendations: the report is a DRAFT"
keys a
check "a asks for the cluster or domain" wait_for "Cluster or domain code"
keys C-u 1.2 Enter
check "then the site, all sites (review-wide) first" wait_for "Site the finding is about (Enter: all sites, review-wide)"
check "the picker lists the sites" wait_for "All sites: a review-wide finding"
keys Enter
check "then strength or growth" wait_for "Strength or growth (s/g)"
keys g Enter
check "then the finding's text in the editor" wait_for "The finding (Esc or ^X saves)"
keys "$FINDING"
sleep 0.3
check "the text typed is kept as a draft" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE key = 'finding:new'")" = 1
keys C-x
check "the finding is saved" wait_for "Finding added"
check "and listed under its cluster" wait_for "growth   1.2   $FINDING"
check "the draft is gone once saved" test "$(sql "$DB" "SELECT count(*) FROM draft WHERE key = 'finding:new'")" = 0
keys c
wait_for "Cite note" >/dev/null
keys "$N1" Enter
wait_for "Stakeholder group" >/dev/null
keys Parents Enter
check "c cites a note as key evidence" wait_for "Note cited as key evidence"
check "the quote shows under the finding, attributed to its group" wait_for "      Parents, "
keys c
wait_for "Cite note" >/dev/null
keys "$N2" Enter
wait_for "Stakeholder group" >/dev/null
keys Enter
check "and a second" wait_for "Note cited as key evidence"
keys r
check "r asks for a recommendation answering the finding" wait_for "Recommendation answering this finding"
keys "$REC" Enter
check "the recommendation is listed" wait_for "$NUM. [medium] $REC (answers 1)"
keys o
check "o turns it into a plan objective" wait_for "now an objective of the action plan"
check "the recommendation shows its objective" wait_for "$REC (answers 1)  -> objective $OBJ"
keys f
check "a reviewer cannot finalise" wait_for "Only the review lead finalises"
keys q
wait_for "Review overview" >/dev/null

FID=$(sql "$DB" "SELECT id FROM finding WHERE text = '$FINDING'")
check "the finding is stored once, by its author" test "$(sql "$DB" "SELECT count(*) FROM finding f JOIN person p
	ON p.id = f.author_id WHERE f.text = '$FINDING' AND p.name = '$REVIEWER'")" = 1
check "it cites both notes" test "$(sql "$DB" "SELECT count(*) FROM finding_note WHERE finding_id = $FID
	AND note_id IN ($N1, $N2)")" = 2
check "the recommendation answers it and links its objective" test "$(sql "$DB" "SELECT count(*) FROM recommendation r
	JOIN recommendation_finding rf ON rf.recommendation_id = r.id JOIN objective o ON o.id = r.objective_id
	WHERE rf.finding_id = $FID AND o.title = '$REC'")" = 1
check "the objective's root cause cites the two notes" test "$(sql "$DB" "SELECT count(*) FROM cause_link l
	JOIN root_cause c ON c.id = l.root_cause_id JOIN objective o ON o.id = c.objective_id
	WHERE o.title = '$REC' AND l.note_id IN ($N1, $N2)")" = 2
check "every write is in the change log" test "$(sql "$DB" "SELECT count(*) FROM change_log WHERE who = '$REVIEWER'
	AND entity IN ('finding', 'recommendation')")" -ge 5

# ---- the commands ----
check "an observer writes no finding" sh -c "! '$QREL' findings add --db '$DB' --as '$OBSERVER' --kind strength \
	--domain 1 'x' 2>/dev/null"
check "findings list --format json parses and holds the finding" sh -c "'$QREL' findings list --db '$DB' --format json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(f[\"text\"] == \"$FINDING\" and len(f[\"key_evidence\"]) == 2 for f in d)'"
check "recommendations list --format csv names the finding and objective" sh -c "'$QREL' recommendations list --db '$DB' |
	grep -q ',$FID,$OBJ\$'"

# ---- the report, draft ----
"$QREL" report --db "$DB" --as "$LEAD" -o "$T/r.html" && "$QREL" report --db "$DB" --as "$LEAD" -o "$T/r.md"
check "HTML: the finding with both quotes" sh -c "grep -q '$FINDING' '$T/r.html' && grep -qF \"\$(printf '%s' '$Q1' |
	sed 's/&/\\&amp;/g; s/\"/\\&quot;/g; s/'\\''/\\&#39;/g')\" '$T/r.html'"
check "HTML: a quote is attributed to its stakeholder group, not a person" grep -q 'Parents, ' "$T/r.html"
check "HTML: the finding links to its recommendation" grep -q "Answered by <a href=\"#rec-$NUM\">recommendation $NUM</a>" "$T/r.html"
check "HTML: the recommendation answers the finding and became an objective" sh -c \
	"grep -q 'href=\"#finding-$FID\"' '$T/r.html' && grep -q 'Taken into the action plan as objective $OBJ' '$T/r.html'"
check "HTML: the objective is in the next steps" grep -q "$OBJ. $REC (district-wide)" "$T/r.html"
check "HTML: DRAFT on every page (a fixed mark)" sh -c "grep -q 'class=\"status draft\"' '$T/r.html' &&
	grep -q 'position:fixed' '$T/r.html'"
check "HTML: every internal link resolves, none leaves the file" python3 -c "
import re
h = open('$T/r.html', encoding='utf-8').read()
ids = set(re.findall(r'id=\"([^\"]+)\"', h))
refs = re.findall(r'href=\"([^\"]*)\"', h)
bad = [x for x in refs if not x.startswith('#') or x[1:] not in ids]
assert refs and not bad, bad
"
check "HTML: no CLI text for the reader" sh -c "! grep -q 'qrel plan' '$T/r.html'"
check "Markdown: status at the top" sh -c "head -n 1 '$T/r.md' | grep -q '(DRAFT)'"
check "Markdown: finding, recommendation and objective linked" sh -c "grep -q '$FINDING' '$T/r.md' &&
	grep -q 'Answered by recommendation $NUM' '$T/r.md' && grep -q '### $NUM. $REC' '$T/r.md' &&
	grep -q 'Taken into the action plan as objective $OBJ' '$T/r.md' && grep -q '### $OBJ. $REC (district-wide)' '$T/r.md'"
check "Markdown: dimension codes read as words" sh -c "! grep -Eq ' by (econ|ell|race):' '$T/r.md' && grep -q 'by economic status:' '$T/r.md'"
check "agreement is rounded to two decimals" sh -c "! grep -Eq '\| -?[0-9]\.[0-9]{3,}' '$T/r.md' &&
	grep -q 'Not shown:' '$T/r.md'"

# ---- finalise ----
check "a reviewer cannot finalise by command either" sh -c "! '$QREL' review finalise --db '$DB' --as '$REVIEWER' 2>/dev/null"
check "the lead finalises" sh -c "'$QREL' review finalise --db '$DB' --as '$LEAD' | grep -q final"
"$QREL" report --db "$DB" -o "$T/f.html" && "$QREL" report --db "$DB" -o "$T/f.md"
check "HTML says FINAL" sh -c "grep -q 'class=\"status final\"' '$T/f.html' && ! grep -q 'class=\"status draft\"' '$T/f.html'"
check "Markdown says FINAL at the top" sh -c "head -n 1 '$T/f.md' | grep -q '(FINAL)'"
check "a final report refuses new findings" sh -c "! '$QREL' findings add --db '$DB' --as '$LEAD' --kind strength \
	--domain 1 'late' 2>/dev/null"
check "reopening needs a reason" sh -c "! '$QREL' review reopen --db '$DB' --as '$LEAD' 2>/dev/null &&
	'$QREL' review reopen --db '$DB' --as '$LEAD' --reason 'Board asked for changes' >/dev/null &&
	test \"\$('$QREL' review status --db '$DB')\" = draft"
check "one finding was added in all" test "$(sql "$DB" "SELECT count(*) FROM finding")" = $((BEFORE + 1))

# ---- recommendations edit and delete, through the gate and the change log ----
RID=$("$QREL" recommendations add --db "$DB" --as "$REVIEWER" --title "Draft title" --finding "$FID" | sed 's/recommendation //')
RUUID=$(sql "$DB" "SELECT uuid FROM recommendation WHERE id = $RID")
check "recommendations edit changes each field given" "$QREL" recommendations edit --db "$DB" --as "$REVIEWER" "$RID" \
	--title "Publish course places in September" --priority low --stakeholders "Families; counsellors" --text "Why"
check "as stored" test "$(sql "$DB" "SELECT title || '|' || priority || '|' || stakeholders || '|' || text
	FROM recommendation WHERE id = $RID")" = "Publish course places in September|low|Families; counsellors|Why"
check "one change-log row per field, old and new" test "$(sql "$DB" "SELECT count(*) FROM change_log
	WHERE entity = 'recommendation' AND entity_uuid = '$RUUID' AND who = '$REVIEWER'
	AND ((field = 'title' AND old = 'Draft title' AND new = 'Publish course places in September')
	  OR (field = 'priority' AND old = 'medium' AND new = 'low') OR field IN ('stakeholders', 'text'))")" = 4
check "edit with no field is a usage error" sh -c "! '$QREL' recommendations edit --db '$DB' --as '$REVIEWER' $RID 2>/dev/null"
check "text that looks like an option: getopt's message names the command, no empty error, usage, exit 2" sh -c "
	'$QREL' findings add --db '$DB' --as '$REVIEWER' --kind growth --cluster 1.1 '-Another gap' >'$T/opt.out' 2>&1
	test \$? -eq 2 && grep -q \"^qrel findings add: invalid option -- 'A'\" '$T/opt.out' &&
	grep -q '^usage: qrel findings add' '$T/opt.out' && ! grep -q 'no error' '$T/opt.out'"
check "after -- it is the finding's text" sh -c "'$QREL' findings add --db '$DB' --as '$REVIEWER' --kind growth \
	--cluster 1.1 -- '-Another gap' >/dev/null && test \"\$(sqlite3 '$DB' \"SELECT count(*) FROM finding WHERE text = '-Another gap'\")\" = 1"
check "a bad priority is refused, nothing changed" sh -c "! '$QREL' recommendations edit --db '$DB' --as '$REVIEWER' $RID \
	--priority urgent 2>/dev/null && test \"\$(sqlite3 '$DB' \"SELECT priority FROM recommendation WHERE id = $RID\")\" = low"
check "an observer edits no recommendation" sh -c "! '$QREL' recommendations edit --db '$DB' --as '$OBSERVER' $RID \
	--title x 2>/dev/null && ! '$QREL' recommendations delete --db '$DB' --as '$OBSERVER' $RID 2>/dev/null"
"$QREL" review finalise --db "$DB" --as "$LEAD" >/dev/null
check "a final report refuses edit and delete" sh -c "! '$QREL' recommendations edit --db '$DB' --as '$LEAD' $RID \
	--title x 2>/dev/null && ! '$QREL' recommendations delete --db '$DB' --as '$LEAD' $RID 2>/dev/null"
"$QREL" review reopen --db "$DB" --as "$LEAD" --reason "One more change" >/dev/null
check "recommendations delete removes it and its links" sh -c "'$QREL' recommendations delete --db '$DB' --as '$REVIEWER' $RID &&
	test \"\$(sqlite3 '$DB' \"SELECT count(*) FROM recommendation WHERE id = $RID\")\" = 0 &&
	test \"\$(sqlite3 '$DB' \"SELECT count(*) FROM recommendation_finding WHERE recommendation_id = $RID\")\" = 0"
check "the change log keeps its title" test "$(sql "$DB" "SELECT old FROM change_log WHERE entity_uuid = '$RUUID'
	AND field = 'delete'")" = "Publish course places in September"
check "an unknown recommendation is refused" sh -c "! '$QREL' recommendations delete --db '$DB' --as '$LEAD' 99999 2>/dev/null"

# ---- an unknown extension and PDF ----
check "an unknown extension is refused, nothing written" sh -c "! '$QREL' report --db '$DB' -o '$T/r.docx' 2>/dev/null &&
	test ! -e '$T/r.docx'"
if command -v weasyprint >/dev/null || command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
	"$QREL" report --db "$DB" -o "$T/r.pdf" 2>"$T/pdf.log"
	PAGES=$(python3 -c "import re; print(len(re.findall(rb'/Type\s*/Page(?!s)', open('$T/r.pdf', 'rb').read())))" 2>/dev/null || echo 0)
	check "-o r.pdf prints the sample's report to a PDF of $PAGES pages" sh -c "head -c 5 '$T/r.pdf' | grep -q '%PDF' && [ '$PAGES' -gt 1 ]"
	check "the PDF is private (0600) like every other output, whatever the umask" test "$(stat -c %a "$T/r.pdf")" = 600
	if command -v pdftotext >/dev/null; then
		pdftotext "$T/r.pdf" "$T/r.txt"
		check "the PDF has the report's headings" sh -c "grep -q 'Executive summary' '$T/r.txt' &&
			grep -q 'Findings by domain' '$T/r.txt' && grep -q 'Recommendations' '$T/r.txt' && grep -q 'DRAFT' '$T/r.txt'"
	else
		ok "the PDF has the report's headings # SKIP pdftotext not installed (Debian package poppler-utils)"
	fi
	check "with no renderer on PATH the PDF is refused, naming the package" sh -c \
		"PATH=/nonexistent '$QREL' report --db '$DB' -o '$T/n.pdf' 2>&1 | grep -q 'weasyprint or chromium' && test ! -e '$T/n.pdf'"
else
	echo "# SKIP: no weasyprint or chromium: the PDF is not rendered"
	ok "-o r.pdf prints the sample's report to a PDF # SKIP no weasyprint or chromium"
fi

# ---- the screen writes a finding about a whole domain at one site, and one about a cluster there ----
SITE=$(sql "$DB" "SELECT code FROM site WHERE kind <> 'district' ORDER BY code LIMIT 1")
DOMAIN_TEXT="Across domain 2 the school lacks a shared plan"
CLUSTER_TEXT="Counsellors meet every family of a ninth grader"
start 100x30 --db "$DB" --as "$REVIEWER"
wait_for "Review overview" >/dev/null
keys F
wait_for "Findings and recommendations" >/dev/null
keys a
check "the place picker lists domains and clusters" wait_for "Domain 2: "
keys C-u 2 Enter
wait_for "Site the finding is about" >/dev/null
keys "$SITE"
check "typing narrows the sites to $SITE" wait_for "$SITE  "
keys Enter
wait_for "Strength or growth (s/g)" >/dev/null
keys g Enter
wait_for "The finding (Esc or ^X saves)" >/dev/null
keys "$DOMAIN_TEXT"
sleep 0.3
keys C-x
check "a domain-wide finding at one site is saved" wait_for "Finding added"
check "and listed with its site" wait_for "growth   all   $SITE $DOMAIN_TEXT"
check "stored for domain 2, no cluster, at $SITE" test "$(sql "$DB" "SELECT count(*) FROM finding f JOIN domain d
	ON d.id = f.domain_id JOIN site s ON s.id = f.site_id WHERE f.text = '$DOMAIN_TEXT' AND d.code = '2'
	AND f.cluster_id IS NULL AND s.code = '$SITE'")" = 1
keys a
check "a on a finding offers its place" wait_for "Cluster or domain code"
keys C-u 1.1 Enter
wait_for "Site the finding is about" >/dev/null
check "the site picker opens on the finding's site" wait_for "$SITE  "
keys Enter
wait_for "Strength or growth (s/g)" >/dev/null
keys s Enter
wait_for "The finding (Esc or ^X saves)" >/dev/null
keys "$CLUSTER_TEXT"
sleep 0.3
keys C-x
check "a cluster finding at one site is saved" wait_for "strength 1.1   $SITE $CLUSTER_TEXT"
check "stored for cluster 1.1 at $SITE" test "$(sql "$DB" "SELECT count(*) FROM finding f JOIN cluster c
	ON c.id = f.cluster_id JOIN site s ON s.id = f.site_id WHERE f.text = '$CLUSTER_TEXT' AND c.code = '1.1'
	AND s.code = '$SITE' AND f.kind = 'strength'")" = 1
keys a
wait_for "Cluster or domain code" >/dev/null
keys Escape
check "Esc in the picker cancels, nothing saved" wait_for "Cancelled: nothing was saved"
keys q
wait_for "Review overview" >/dev/null
check "the site's report shows both" sh -c "'$QREL' report --db '$DB' --as '$LEAD' --site '$SITE' --format md |
	grep -q '$DOMAIN_TEXT' && '$QREL' report --db '$DB' --as '$LEAD' --site '$SITE' --format md | grep -q '$CLUSTER_TEXT'"

finish
