# Sourced by the test runners (tests/run-unit.sh, tests/run-arm64.sh)
# once their EXIT trap runs `sh tests/pg.sh stop "$pgdir"`: a throw-away
# PostgreSQL cluster in $pgdir for the tests that run on both stores,
# its URI exported as SHAOBING_TEST_PG.  One already set names a server
# of your own and nothing starts.  Without PostgreSQL installed it stays
# empty and those tests' PostgreSQL halves skip (a failure under
# CI=true); a cluster that does not start is one failure in $COUNTS.
if [ -z "${SHAOBING_TEST_PG:-}" ]; then
	SHAOBING_TEST_PG=$(FSYNC=off sh tests/pg.sh start-if-installed "$pgdir") || {
		echo "not ok - tests/pg.sh could not start PostgreSQL"
		echo "0 1 0 0" >>"$COUNTS"
	}
fi
export SHAOBING_TEST_PG
echo "# PostgreSQL for the tests: ${SHAOBING_TEST_PG:-none}"
