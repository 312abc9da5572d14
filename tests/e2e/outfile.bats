#!/usr/bin/env bats
# Issue 12 item 13: files the CLI writes.  A path that exists and is not
# a regular file (a character device, a FIFO, a folder, a symbolic link)
# is refused and stays what it was; an existing file is replaced only
# with --force; a write error (RLIMIT_FSIZE here: any user, no mount) is
# exit 1 and leaves the old file intact, no temporary file behind.

load helpers

setup() {
	sb_setup
	sb_ca
	sb_start_collector
}

teardown() {
	sb_teardown
}

@test "assets export: special files refused and left alone; --force to replace; write errors fail" {
	mkfifo "$T/fifo"
	mkdir "$T/dir"
	ln -s "$T/target.csv" "$T/link"
	for p in "$T/fifo" "$T/dir" "$T/link"; do
		run "$SB" assets export --format csv --out "$p" --force
		[ "$status" -eq 1 ]
		[[ "$output" == *"exists and is not a regular file"* ]]
	done
	[ -p "$T/fifo" ] && [ -d "$T/dir" ] && [ -L "$T/link" ]
	[ ! -e "$T/target.csv" ]

	echo "keep me" >"$T/reg.csv"
	run "$SB" assets export --format csv --out "$T/reg.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"exists; add --force"* ]]
	[ "$(cat "$T/reg.csv")" = "keep me" ]

	# A write error: the file-size limit makes every write fail (EFBIG).
	run bash -c "trap '' XFSZ; ulimit -f 0; exec '$SB' assets export --format csv --out '$T/reg.csv' --force"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot write"* ]]
	[ "$(cat "$T/reg.csv")" = "keep me" ]
	[ -z "$(ls "$T" | grep '^reg\.csv\.')" ]

	run "$SB" assets export --format csv --out "$T/reg.csv" --force
	[ "$status" -eq 0 ]
	[ "$(head -c 3 "$T/reg.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ]
	[ -f "$T/reg.csv" ]
}

# A private copy of /dev/full (char 1,7): the real one must never be at
# stake if this regresses.
@test "a full device as --out stays a device and the command fails" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a device node (mknod)"
	mknod "$T/full" c 1 7
	for force in "" --force; do
		run "$SB" assets export --format csv --out "$T/full" $force
		[ "$status" -eq 1 ]
		[[ "$output" == *"exists and is not a regular file (a device)"* ]]
		[[ "$output" != *"written"* ]]
		[ -c "$T/full" ]
	done
}

@test "year-end export: a FIFO among the files refuses the whole export; a file as DIR is refused" {
	mkdir "$T/out"
	mkfifo "$T/out/report.html"
	run "$SB" export --year 2026 --out "$T/out" --force
	[ "$status" -eq 1 ]
	[[ "$output" == *"report.html exists and is not a regular file"* ]]
	[ -p "$T/out/report.html" ]
	[ ! -e "$T/out/indicators.csv" ]

	echo x >"$T/plain"
	run "$SB" export --year 2026 --out "$T/plain"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a folder"* ]]
	[ "$(cat "$T/plain")" = x ]

	run "$SB" export --year 2026 --out "$T/out2"
	[ "$status" -eq 0 ]
	run "$SB" export --year 2026 --out "$T/out2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"add --force"* ]]
	run "$SB" export --year 2026 --out "$T/out2" --force
	[ "$status" -eq 0 ]
}
