#!/bin/sh
# stats.sh: `qrel agree` and `qrel risk` on hand-checked data: values, NA, errors with lines, the sample review.
. "$(dirname "$0")/lib.sh"

# field FILE COLUMN [KEYCOL KEY]: the value in COLUMN of the first data row of
# a CSV output (or of the row whose KEYCOL is KEY); the file has no quoted commas.
field() {
	awk -F, -v want="$2" -v kc="${3:-}" -v key="${4:-}" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		kc == "" || $col[kc] == key { print $col[want]; exit }' "$1"
}

# near3 VALUE EXPECTED: VALUE rounded to 3 decimals is EXPECTED.
near3() { test "$(awk -v v="$1" 'BEGIN { printf "%.3f", v }')" = "$2"; }

# ---- agree: Krippendorff (2011) example C, 4 observers x 12 units, missing
# values written three ways: an absent row, an empty score and NE.
{
	echo unit,rater,score
	i=0
	for row in "1 1 . 1" "2 2 3 2" "3 3 3 3" "3 3 3 3" "2 2 2 2" "1 2 3 4" \
		"4 4 4 4" "1 1 2 1" "2 2 2 2" ". 5 5 5" ". . 1 1" ". 3 . ."; do
		i=$((i + 1))
		set -- $row
		for obs in A B C D; do
			case "$1" in
			.) case "$obs" in A) echo "u$i,$obs,NE" ;; B) echo "u$i,$obs," ;; esac ;;
			*) echo "u$i,$obs,$1" ;;
			esac
			shift
		done
	done
} >"$T/kripp.csv"

"$QREL" agree "$T/kripp.csv" >"$T/out" 2>"$T/err"
check "agree: Krippendorff example runs" test $? -eq 0
check "agree: 12 units, 4 raters" test "$(field "$T/out" units),$(field "$T/out" raters)" = "12,4"
check "agree: alpha nominal 0.743" near3 "$(field "$T/out" alpha_nominal)" 0.743
check "agree: alpha ordinal 0.815" near3 "$(field "$T/out" alpha_ordinal)" 0.815
check "agree: alpha interval 0.849" near3 "$(field "$T/out" alpha_interval)" 0.849
check "agree: 43 of 55 pairs equal" near3 "$(field "$T/out" exact_agreement)" 0.782
check "agree: Cohen's kappa is NA with four raters" test "$(field "$T/out" cohen_kappa)" = NA
check "agree: Fleiss' kappa is NA with unequal ratings per unit" test "$(field "$T/out" fleiss_kappa)" = NA
"$QREL" agree --format json "$T/kripp.csv" >"$T/out"
check "agree: JSON gives null where undefined" grep -q '"cohen_kappa": null' "$T/out"
"$QREL" agree --format table "$T/kripp.csv" >"$T/out"
check "agree: table says why a value is missing" grep -q 'NA (needs exactly two raters)' "$T/out"

# Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, A yes B no 5, A no B
# yes 10, no/no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4 (as in test_agree.c).
{
	echo unit,rater,score
	n=0
	for cell in "2 2 20" "2 1 5" "1 2 10" "1 1 15"; do
		set -- $cell
		for k in $(seq "$3"); do
			n=$((n + 1))
			echo "p$n,A,$1"
			echo "p$n,B,$2"
		done
	done
} >"$T/cohen.csv"
"$QREL" agree "$T/cohen.csv" >"$T/out"
check "agree: two raters, Cohen's kappa 0.4" test "$(field "$T/out" cohen_kappa)" = 0.4000
check "agree: two raters, exact agreement 0.7" test "$(field "$T/out" exact_agreement)" = 0.7000

printf 'unit,rater,score\na,x,2\na,y,2\nb,x,2\nb,y,2\n' >"$T/same.csv"
"$QREL" agree "$T/same.csv" >"$T/out"
check "agree: one level only gives kappa NA" test "$(field "$T/out" cohen_kappa)" = NA

printf 'unit,rater,score\na,x,1\na,y,7\nb,x,2\n' >"$T/seven.csv"
"$QREL" agree --levels 3 "$T/seven.csv" >"$T/out" 2>"$T/err"
check "agree: score 7 on a 3-level scale fails (1)" test $? -eq 1
check "agree: the error names file, line and column" \
	grep -q 'seven.csv:3: column score: 7 is outside the scale 1..3' "$T/err"
check "agree: nothing on stdout after an error" test ! -s "$T/out"

printf 'unit,rater,score\na,x,1\nb,x,two\na,x,2\n' >"$T/bad.csv"
"$QREL" agree "$T/bad.csv" >/dev/null 2>"$T/err"
check "agree: a non-integer score is named with its line" grep -q "bad.csv:3: column score: 'two'" "$T/err"
check "agree: a second rating of a pair names both lines" \
	grep -q "bad.csv:4: .*already rated by 'x' on line 2" "$T/err"

# ---- risk: a hand-worked table (defaults: min-cell 10, min-n 30, threshold 3).
#   group  enrolled  count  risk   others' count/enrolled   ratio
#   A        100      40    0.40   (20+10+9)/350 = 39/350   0.4*350/39 = 3.5897  > 3: flagged
#   B        200      20    0.10   (40+10+9)/250 = 59/250   0.1*250/59 = 0.4237
#   C        100      10    0.10   (40+20+9)/350 = 69/350   0.1*350/69 = 0.5072  (count 10 = min-cell: counts)
#   D         50       9    0.18   count 9 < min-cell: not calculated, never flagged
printf 'metric,dimension,group,enrolled,count\noss,race,A,100,40\noss,race,B,200,20\noss,race,C,100,10\noss,race,D,50,9\n' \
	>"$T/risk.csv"
"$QREL" risk "$T/risk.csv" >"$T/out" 2>"$T/err"
check "risk: hand-worked table runs" test $? -eq 0
check "risk: one output row per group" test "$(wc -l <"$T/out")" -eq 5
check "risk: A's ratio 3.5897" test "$(field "$T/out" ratio group A)" = 3.5897
check "risk: A is a risk ratio" test "$(field "$T/out" ratio_kind group A)" = risk_ratio
check "risk: A is flagged" test "$(field "$T/out" flagged group A)" = true
check "risk: B's ratio 0.4237, not flagged" \
	test "$(field "$T/out" ratio group B),$(field "$T/out" flagged group B)" = "0.4237,false"
check "risk: count == min-cell gets a ratio" test "$(field "$T/out" ratio group C)" = 0.5072
check "risk: below min-cell is not calculated" \
	test "$(field "$T/out" ratio_kind group D),$(field "$T/out" ratio group D)" = "not_calculated,NA"
check "risk: D is not flagged" test "$(field "$T/out" flagged group D)" = false
"$QREL" risk --min-cell 11 "$T/risk.csv" >"$T/out"
check "risk: --min-cell 11 drops C's ratio" test "$(field "$T/out" ratio_kind group C)" = not_calculated
"$QREL" risk --threshold 4 "$T/risk.csv" >"$T/out"
check "risk: --threshold 4 unflags A" test "$(field "$T/out" flagged group A)" = false
printf '[subgroups]\nthreshold = 4\n' >"$XDG_CONFIG_HOME/risk.ini"
"$QREL" risk --config "$XDG_CONFIG_HOME/risk.ini" "$T/risk.csv" >"$T/out"
check "risk: [subgroups] threshold in the config applies" test "$(field "$T/out" flagged group A)" = false
"$QREL" risk --config "$XDG_CONFIG_HOME/risk.ini" --threshold 3 "$T/risk.csv" >"$T/out"
check "risk: --threshold overrides the config" test "$(field "$T/out" flagged group A)" = true
"$QREL" risk --format json "$T/risk.csv" >"$T/out"
check "risk: one JSON document, an array with an object per group" \
	test "$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d), d[0]["group"])' "$T/out")" = "4 A"
"$QREL" risk --format table "$T/risk.csv" >"$T/out"
check "risk: table format marks the flag" grep -q '^A .*FLAG' "$T/out"

# Alternate ratio: Y (count 2) makes X's comparison group too small, so X is
# compared with the State's other groups: 0.20 / (450 / 9000) = 4.0 > 3.
printf 'site,year,metric,dimension,group,enrolled,count\nS1,2024,oss,race,X,100,20\nS1,2024,oss,race,Y,20,2\n' \
	>"$T/alt.csv"
printf 'site,year,metric,dimension,group,enrolled,count\nSTATE,2024,oss,race,X,1000,100\nSTATE,2024,oss,race,Y,9000,450\n' \
	>"$T/state.csv"
"$QREL" risk --state "$T/state.csv" "$T/alt.csv" >"$T/out"
check "risk: small comparison group uses the State" \
	test "$(field "$T/out" ratio_kind group X),$(field "$T/out" ratio group X)" = "alternate_risk_ratio,4.0000"

printf 'group,enrolled,count\nA,100,10\nB,10,12\nA,5,1\n' >"$T/risk-bad.csv"
"$QREL" risk "$T/risk-bad.csv" >"$T/out" 2>"$T/err"
check "risk: count > enrolled fails (1)" test $? -eq 1
check "risk: error names line 3 and the column" grep -q 'risk-bad.csv:3: column count: 12 is more than enrolled' "$T/err"
check "risk: a repeated group names its line" grep -q "risk-bad.csv:4: column group: 'A' appears twice" "$T/err"
check "risk: nothing on stdout after an error" test ! -s "$T/out"
printf 'group,enrolled\nA,1\n' >"$T/risk-nocol.csv"
"$QREL" risk "$T/risk-nocol.csv" >/dev/null 2>"$T/err"
check "risk: a missing column is named" grep -q "risk-nocol.csv:1: missing column 'count'" "$T/err"

# A generated file streams through (QREL_RISK_ROWS=1000000 for the benchmark).
ROWS=${QREL_RISK_ROWS:-20000}
awk -v n="$ROWS" 'BEGIN {
	print "site,year,metric,dimension,group,enrolled,count"
	srand(1)
	for (i = 0; i < n; i++) {
		t = int(i / 8); e = 30 + int(rand() * 2000)
		printf "S%05d,%d,m%d,race,g%d,%d,%d\n", int(t / 30), 2019 + int(t / 6) % 5, t % 6, i % 8, e, int(rand() * e / 10)
	}
}' >"$T/big.csv"
start_s=$(date +%s.%N)
"$QREL" risk "$T/big.csv" >"$T/out"
check "risk: $ROWS generated rows, one line each" test "$(wc -l <"$T/out")" -eq $((ROWS + 1))
echo "# risk on $ROWS rows: $(awk -v a="$start_s" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"

# The streaming reader (a table's rows together: one table held at a time, memory
# flat in the file's size) against the whole-file reader (a table's rows apart):
# the same rows, each table's in the same order, give the same bytes. Pairs of
# tables are interleaved row by row in the second file, so each table still
# first appears in the same order. A pipe on stdin is copied and read twice.
gen_tables() { # ROWS apart(0/1)
	awk -v n="$1" -v apart="$2" 'BEGIN {
		print "site,year,metric,dimension,group,enrolled,count"
		srand(3)
		for (t = 0; t < n / 8; t++) for (g = 0; g < 8; g++) {
			e[t, g] = 30 + int(rand() * 2000); c[t, g] = int(rand() * e[t, g] / 10)
		}
		name[0] = "\"Elm, East\""; name[1] = "=Hill"; name[2] = "Ōtāhuhu"; name[3] = "S3"
		for (p = 0; p < n / 16; p++) for (g = 0; g < 8; g++) for (k = 0; k < 2; k++) {
			j = 2 * g + k	# 0..15: row g of table 2p+k, or row j%8 of table 2p+j/8
			t = apart ? 2 * p + k : 2 * p + int(j / 8)
			r = apart ? g : j % 8
			printf "%s,%d,m%d,race,g%d,%d,%d\n", name[int(t / 7) % 4], 2019 + int(t / 28), t % 7, r, e[t, r], c[t, r]
		}
	}'
}
gen_tables 4000 0 >"$T/together.csv"
gen_tables 4000 1 >"$T/apart.csv"
check "risk: the two files hold the same rows" \
	test "$(sort "$T/together.csv" | cksum)" = "$(sort "$T/apart.csv" | cksum)"
check "risk: the first file has each table's rows together" \
	test "$(cut -d, -f1-4 "$T/together.csv" | uniq | wc -l)" -eq 501
for fmt in csv json table; do
	"$QREL" risk --format $fmt "$T/together.csv" >"$T/stream.$fmt" 2>"$T/err"
	"$QREL" risk --format $fmt "$T/apart.csv" >"$T/whole.$fmt" 2>>"$T/err"
	check "risk --format $fmt: streamed and whole-file readings give the same output" \
		cmp -s "$T/stream.$fmt" "$T/whole.$fmt"
	cat "$T/together.csv" | "$QREL" risk --format $fmt - >"$T/pipe.$fmt" 2>>"$T/err"
	check "risk --format $fmt: a pipe on stdin gives the same output" cmp -s "$T/stream.$fmt" "$T/pipe.$fmt"
	"$QREL" risk --format $fmt - <"$T/apart.csv" >"$T/redirect.$fmt" 2>>"$T/err"
	check "risk --format $fmt: a file on stdin gives the same output" cmp -s "$T/stream.$fmt" "$T/redirect.$fmt"
	check "risk --format $fmt: nothing on stderr" test ! -s "$T/err"
done
check "risk: 4000 rows out" test "$(wc -l <"$T/stream.csv")" -eq 4001
printf 'site,group,enrolled,count\nA,x,10,1\nA,y,10,2\nB,x,5,1\nA,x,3,1\nB,y,2,9\n' >"$T/risk-apart.csv"
"$QREL" risk "$T/risk-apart.csv" >"$T/out" 2>"$T/err"
check "risk: a group repeated in a table whose rows are apart is found" \
	grep -q "risk-apart.csv:5: column group: 'x' appears twice in the table (site A) (first on line 2)" "$T/err"
check "risk: ... after the rows' own problems" \
	test "$(head -1 "$T/err")" = "$T/risk-apart.csv:6: column count: 9 is more than enrolled (2)"
printf 'site,group,enrolled,count\nA,x,10,1\nA,x,10,2\nB,x,5,1\n' | "$QREL" risk - >"$T/out" 2>"$T/err"
check "risk: a group repeated in a streamed table is found, stdin named" \
	grep -q "<stdin>:3: column group: 'x' appears twice in the table (site A) (first on line 2)" "$T/err"
check "risk: nothing printed after it" test ! -s "$T/out"

# ---- agree on the review's team scores.
if sample_db "$T/s.db" 2>"$T/err"; then
	"$QREL" agree --db "$T/s.db" --as "Ségolène Arceneaux" >"$T/out" 2>"$T/err"
	check "agree --db: the sample review gives a row" test "$(wc -l <"$T/out")" -eq 2
	check "agree --db: units > 0" test "$(field "$T/out" units)" -gt 0
	"$QREL" agree --db "$T/s.db" --as "Ségolène Arceneaux" --by rater >"$T/out"
	check "agree --db --by rater: a leading rater column" grep -q '^rater,units,raters' "$T/out"
	"$QREL" agree --db "$T/s.db" --as "Ségolène Arceneaux" --by site >"$T/out"
	check "agree --db --by site: one row per site" test "$(wc -l <"$T/out")" -eq \
		$(($(sql "$T/s.db" "SELECT count(DISTINCT site_id) FROM score WHERE kind = 'team'") + 1))
	"$QREL" agree --db "$T/s.db" --as "Ségolène Arceneaux" --by cluster --domain 1 >"$T/out"
	check "agree --db --by cluster --domain 1: some clusters" test "$(wc -l <"$T/out")" -gt 1
	check "agree --db --by cluster --domain 1: only domain 1's" \
		test "$(awk -F, 'NR > 1 && $1 !~ /^1[.]/' "$T/out" | wc -l)" -eq 0
	"$QREL" agree --db "$T/s.db" --as "Ségolène Arceneaux" --site NOSUCH >/dev/null 2>"$T/err"
	check "agree --db: an unknown site is an error" grep -q "no site 'NOSUCH'" "$T/err"
else
	not_ok "sample review builds for agree --db" "$(cat "$T/err")"
fi

finish
