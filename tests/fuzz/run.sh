#!/bin/sh
# run.sh SECONDS [TARGET...]: builds the libFuzzer targets with clang (ASan + UBSan) from the
# library sources named in Makefile.am and runs each for SECONDS, from its corpus and crash cases.
# fuzz_bundle runs instead until it has made FUZZ_BUNDLE_RUNS executions (10^5), within
# FUZZ_BUNDLE_SECONDS (300) at most: each of its inputs is a whole import (about 2,000 a second
# under the sanitizers), so seconds alone would leave it a few thousand.
# Prints each target's executions and rate, and "N passed, N failed"; a crash leaves its input in
# tests/fuzz/crashes/TARGET/ to keep.
set -u
secs=${1:-10}
shift 2>/dev/null
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD:-$top/build-fuzz}
targets=${*:-fuzz_csv fuzz_framework fuzz_stats_csv fuzz_bundle}
command -v clang >/dev/null || { echo "# clang not found: apt-get install clang"; echo "0 passed, 0 failed"; exit 0; }
mkdir -p "$build"
[ -f "$top/build/config.h" ] && cp "$top/build/config.h" "$build/config.h"
[ -f "$build/config.h" ] || : >"$build/config.h"

# The library's sources as Makefile.am lists them, plus the sync files before they are listed.
srcs=$(sed -n '/^libqrel_a_SOURCES/,/^$/p' "$top/Makefile.am" | tr -d '\\' | tr ' \t' '\n\n' | grep '\.c$')
for f in src/store/backup.c src/store/check.c src/domain/sync.c src/store/sync_schema.c src/cmd/cmd_sync.c; do
	echo "$srcs" | grep -qx "$f" || srcs="$srcs $f"
done
CFLAGS="-g -O1 -std=gnu11 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
	-DHAVE_CONFIG_H -I$build -I$top/include -DQREL_PKGDATADIR=\"$top\" -DQREL_SRCDIR=\"$top\" -w \
	$(pkg-config --cflags libpq xlsxwriter)"
objs=""
for f in $srcs; do
	o="$build/$(basename "$f" .c).o"
	if [ ! -f "$o" ] || [ "$top/$f" -nt "$o" ]; then
		clang $CFLAGS -c "$top/$f" -o "$o" || { echo "# cannot compile $f"; echo "0 passed, 1 failed"; exit 1; }
	fi
	objs="$objs $o"
done
LIBS="$(pkg-config --libs sqlite3 2>/dev/null || echo -lsqlite3) $(pkg-config --libs xlsxwriter) -lsodium -lz \
	-liniparser -lcsv -lm"

pass=0 fail=0
# A 64 MB quarantine (ClusterFuzz's) instead of 256: a freed block is still poisoned for many
# inputs' worth of frees, and the bundle target spends far less of its time in fresh pages.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=64 UBSAN_OPTIONS=print_stacktrace=1
bundle_runs=${FUZZ_BUNDLE_RUNS:-100000}
bundle_secs=${FUZZ_BUNDLE_SECONDS:-300}
for t in $targets; do
	bin="$build/$t"
	clang $CFLAGS -fsanitize=fuzzer -o "$bin" "$here/$t.c" $objs $LIBS || { fail=$((fail + 1)); continue; }
	mkdir -p "$build/corpus/$t" "$here/crashes/$t"
	seeds="$here/seeds/$t"
	[ -d "$seeds" ] || seeds=""
	# Kept crash cases first: each must now pass.
	if ls "$here/crashes/$t"/* >/dev/null 2>&1 && ! "$bin" "$here/crashes/$t"/* >"$build/$t.replay.log" 2>&1; then
		echo "not ok - $t: a kept crash case fails again (see $build/$t.replay.log)"
		fail=$((fail + 1))
		continue
	fi
	if [ "$t" = fuzz_bundle ]; then
		limits="-runs=$bundle_runs -max_total_time=$bundle_secs -max_len=24576"
	else
		limits="-max_total_time=$secs -max_len=8192"
	fi
	start=$(date +%s)
	"$bin" $limits -timeout=10 -artifact_prefix="$here/crashes/$t/" "$build/corpus/$t" $seeds >"$build/$t.log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$build/$t.log" | tail -n 1)
	echo "$t $execs" >>"$build/executions"
	if [ "$rc" -eq 0 ]; then
		echo "ok - $t: ${execs:-?} executions in $took s ($(( ${execs:-0} / (took > 0 ? took : 1) )) a second)"
		[ "$t" != fuzz_bundle ] || [ "${execs:-0}" -ge "$bundle_runs" ] ||
			echo "# $t stopped at its cap of $bundle_secs s before $bundle_runs executions (a busy machine?)"
		pass=$((pass + 1))
	else
		echo "not ok - $t: crashed after ${execs:-?} executions; input kept in tests/fuzz/crashes/$t/ (log $build/$t.log)"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
