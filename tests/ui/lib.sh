# lib.sh: shared by the end-to-end scripts: a hermetic environment, the real qrel
# in a private tmux server, and TAP output. Source it; call `finish` at the end.
set -u

: "${QREL:?set QREL to the qrel binary}"
: "${QREL_DATADIR:?set QREL_DATADIR to the source tree}"

T=$(mktemp -d /tmp/qrel-ui.XXXXXX)
export HOME="$T/home" XDG_DATA_HOME="$T/data" XDG_CONFIG_HOME="$T/config"
export TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC QREL_NOW=2026-03-02T10:00:00Z
unset NO_COLOR VISUAL EDITOR
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
# Under ASan/UBSan every qrel this script runs (in tmux or not) reports into
# $T/asan.*; `finish` fails the script when any report is there.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:log_path=$T/asan"
TMUX_SOCKET="qrel-test-$$-0"
STARTS=0
TESTS_RUN=0
TESTS_FAILED=0

tm() { tmux -L "$TMUX_SOCKET" -f /dev/null "$@"; }

cleanup() {
	tm kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() {
	TESTS_RUN=$((TESTS_RUN + 1))
	echo "ok $TESTS_RUN - $1"
}

not_ok() {
	TESTS_RUN=$((TESTS_RUN + 1))
	TESTS_FAILED=$((TESTS_FAILED + 1))
	echo "not ok $TESTS_RUN - $1"
	shift
	for line in "$@"; do echo "# $line"; done
}

# check NAME COMMAND...: a test that passes when the command succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

finish() {
	tm kill-server 2>/dev/null
	sleep 0.2
	if ls "$T"/asan.* >/dev/null 2>&1; then
		not_ok "no sanitizer reports" "$(cat "$T"/asan.* | head -n 40)"
	else
		ok "no sanitizer reports"
	fi
	echo "1..$TESTS_RUN"
	[ "$TESTS_FAILED" -eq 0 ]
}

# start [WxH] ARGS...: runs qrel in a new tmux server (START_ENV: extra VAR=value
# words for its environment; START_WRAP: a command to run it under, such as
# setpriv); its exit status lands in $T/exit.
start() {
	size=80x24
	case "${1:-}" in [0-9]*x[0-9]*) size=$1; shift ;; esac
	rm -f "$T/exit"
	printf '%s ' "$QREL" "$@" >"$T/cmd"
	tm kill-server 2>/dev/null
	# A fresh server each time: a dying one may still hold the old socket.
	STARTS=$((STARTS + 1))
	TMUX_SOCKET="qrel-test-$$-$STARTS"
	tm new-session -d -s qrel -x "${size%x*}" -y "${size#*x}" \
		"${START_WRAP:-} env ${START_ENV:-} $(printf "'%s' " "$QREL" "$@"); echo \$? > '$T/exit'; sleep 30"
}

keys() { tm send-keys -t qrel "$@"; }
screen() { tm capture-pane -p -t qrel; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT (a fixed string). The
# limits are hang guards, generous for a sanitizer build on a busy machine.
wait_for() {
	deadline=$(( $(date +%s) + ${2:-20} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "# timed out waiting for: $1" >&2
	screen | sed 's/^/# | /' >&2
	return 1
}

# wait_gone TEXT [SECONDS]: until the screen no longer shows TEXT.
wait_gone() {
	deadline=$(( $(date +%s) + ${2:-20} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	echo "# timed out waiting for this to go: $1" >&2
	screen | sed 's/^/# | /' >&2
	return 1
}

# wait_line N TEXT [SECONDS]: until line N of the screen shows TEXT.
wait_line() {
	deadline=$(( $(date +%s) + ${3:-20} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		screen | sed -n "$1p" | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	echo "# timed out waiting for line $1 to show: $2" >&2
	screen | sed 's/^/# | /' >&2
	return 1
}

# wait_exit [SECONDS]: until qrel has exited; prints its status.
wait_exit() {
	deadline=$(( $(date +%s) + ${1:-20} ))
	while [ "$(date +%s)" -le "$deadline" ]; do
		[ -s "$T/exit" ] && { cat "$T/exit"; return 0; }
		sleep 0.1
	done
	echo timeout
	return 1
}

# qrel_running PATTERN: is a qrel process whose arguments match PATTERN alive?
qrel_running() { pgrep -f "^$QREL .*$1" >/dev/null; }

sql() { sqlite3 -batch -noheader "$@"; }

# note_csv FILE SITE AUTHOR TEXT: an evidence CSV of one note (clusters 1.1 and 2.2).
note_csv() {
	printf 'site,source,author,valence,clusters,text\n%s,interview,%s,strength,1.1;2.2,%s\n' "$2" "$3" "$4" >"$1"
}

sample_db() {
	"$QREL" sample --db "$1" >/dev/null
}

# Sync bundles as sync.c writes them: a 64-byte header, the tables as a zlib-packed
# SQLite file, an HMAC-SHA-512-256 under the review's key over every byte before it.
# bundle_unpack BUNDLE TABLES: the bundle's tables, to read or change with sqlite3.
bundle_unpack() {
	python3 -c 'import sys, zlib; b = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(zlib.decompress(b[64:-32]))' \
		"$1" "$2"
}
# bundle_seal TABLES BUNDLE DB [RAWSIZE]: signs TABLES with DB's review key, as anyone
# holding a copy of the review could, under the format their meta table names; RAWSIZE
# overrides the unpacked size the header declares.
bundle_seal() {
	python3 - "$1" "$2" "$(sql "$3" "SELECT hex(key) FROM sync_key")" "$(sql "$3" 'SELECT uuid FROM review')" \
		"${4:-}" <<'PY'
import hmac, sqlite3, struct, sys, zlib
tables = open(sys.argv[1], "rb").read()
meta = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
fmt = int(meta.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0])
meta.close()
head = b"QRELBNDL" + struct.pack(">HB5xQ", fmt, 1, int(sys.argv[5] or len(tables))) + sys.argv[4].encode() + bytes(4)
body = head + zlib.compress(tables)
open(sys.argv[2], "wb").write(body + hmac.new(bytes.fromhex(sys.argv[3]), body, "sha512").digest()[:32])
PY
}
