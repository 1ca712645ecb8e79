#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# completion.sh: the bash completion that `qrel completion bash` writes from the command
# table completes commands, subcommands, options, option values and the review's codes.
. "$(dirname "$0")/lib.sh"

DB="$T/review.db"
sample_db "$DB"
"$QREL" completion bash >"$T/qrel.bash"
check "the script is valid bash" bash -n "$T/qrel.bash"
check "make builds the same script for installation" cmp -s "$T/qrel.bash" "$BUILDDIR/completion/qrel"

# complete WORDS...: what bash would offer for the last word (one per line).
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _qrel; printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$T/qrel.bash" "$QREL" "$@"
}
offers() {	# offers WANT WORDS...: the completions include WANT
	want=$1
	shift
	complete_words "$@" | grep -qxF -- "$want" || { echo "# offered: $(complete_words "$@" | tr '\n' ' ')"; return 1; }
}

"$QREL" --help | sed -n '/^commands:/,/^$/p' | awk 'NF && !/^commands:/ { print $1 }' >"$T/commands"
complete_words "" >"$T/offered"
check "every command of qrel --help is offered" sh -c "! grep -vxF -f '$T/offered' '$T/commands'"
check "a command completes from its start" test "$(complete_words rep)" = report
check "sync offers its subcommands" offers conflicts sync ""
check "evidence offers delete and restore" offers restore evidence ""
check "framework offers export" offers export framework ""
check "import offers its kinds" offers subgroups import ""
check "report offers --format" offers --format report --f
check "report --format offers html" offers html report --format ""
complete_words risk --format "" >"$T/offered"
check "risk --format: csv json table" test "$(tr '\n' ' ' <"$T/offered")" = "csv json table "
SITE=$(sql "$DB" "SELECT code FROM site ORDER BY code LIMIT 1")
check "score --site offers the review's sites" offers "$SITE" score --db "$DB" --site ""
check "score --cluster 1. offers cluster 1.1" offers 1.1 score --db "$DB" --cluster 1.
complete_words score --db "$DB" --cluster 1. >"$T/offered"
check "and only clusters of domain 1" sh -c "! grep -qv '^1\.' '$T/offered'"

"$QREL" codes sites --db "$DB" >"$T/codes"
check "qrel codes sites lists every site" test "$(cat "$T/codes")" = "$(sql "$DB" "SELECT code FROM site ORDER BY code")"
check "qrel codes clusters lists the framework's 18" test "$(qrel_codes=$("$QREL" codes clusters --db "$DB" | wc -l); echo $qrel_codes)" -eq 18
"$QREL" codes bogus --db "$DB" 2>/dev/null
check "qrel codes with an unknown kind is a usage error" test $? -eq 2

finish
