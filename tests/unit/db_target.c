/*
 * tests/unit/db_target.h: fresh databases for unit tests, made through
 * libpq on the base URI of tests/pg.sh's cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "tests/unit/db_target.h"

/* The URIs handed out, kept reachable until exit (LeakSanitizer). */
static char	**made;
static int	  nmade;

static void
free_made(void)
{
	for (int i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	made = NULL;
	nmade = 0;
}

/* base with its database (the URI's path) replaced by name. */
static char *
with_dbname(const char *base, const char *name)
{
	const char	*a = strstr(base, "://"), *p, *q;
	char		*out;
	size_t		 n;

	if (a == NULL)
		return NULL;
	a += 3;
	p = a + strcspn(a, "/?");
	q = p + strcspn(p, "?");
	n = (size_t)(p - base) + 1 + strlen(name) + strlen(q) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	snprintf(out, n, "%.*s/%s%s", (int)(p - base), base, name, q);
	return out;
}

const char *
test_pg_target(void)
{
	const char	*base = getenv("SHAOBING_TEST_PG");
	char		 name[64], sql[96], *uri, **m;
	PGconn		*c;
	PGresult	*r;
	int		 ok;

	if (base == NULL || *base == '\0')
		return NULL;
	snprintf(name, sizeof(name), "t_%ld_%d", (long)getpid(), nmade + 1);
	c = PQconnectdb(base);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "# test_pg_target: %s: %s", base,
		    PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "# test_pg_target: %s: %s", sql,
		    PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
	if (!ok || (uri = with_dbname(base, name)) == NULL)
		return NULL;
	if ((m = realloc(made, (size_t)(nmade + 1) * sizeof(*m))) == NULL) {
		free(uri);
		return NULL;
	}
	if (nmade == 0)
		atexit(free_made);
	made = m;
	made[nmade++] = uri;
	return uri;
}

const char *
test_store_target(const char *sqlite_path)
{
	const char	*base = getenv("SHAOBING_TEST_PG");

	if (base == NULL || *base == '\0')
		return sqlite_path;
	return test_pg_target();
}
