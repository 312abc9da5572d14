/*
 * For the drivers of collector/db.h only (db.c, db_sqlite.c, db_pg.c).
 * A driver's connection and statement structs start with struct db and
 * struct db_stmt; db.c dispatches every call through the driver's ops.
 */
#ifndef SHAOBING_DB_PRIV_H
#define SHAOBING_DB_PRIV_H

#include "collector/db.h"

struct db_ops {
	void		 (*close)(struct db *);
	int		 (*exec)(struct db *, const char *);
	int		 (*begin_write)(struct db *);
	int		 (*in_transaction)(struct db *);
	int64_t		 (*changes)(struct db *);
	void		 (*defer)(struct db *, int);	/* NULL: no-op */
	int		 (*prepare)(struct db *, const char *, int,
			    struct db_stmt **);
	void		 (*finalize)(struct db_stmt *);
	void		 (*reset)(struct db_stmt *);
	void		 (*clear_bindings)(struct db_stmt *);
	int		 (*stmt_busy)(struct db_stmt *);
	const char	*(*sql)(struct db_stmt *);
	int		 (*bind_int64)(struct db_stmt *, int, int64_t);
	int		 (*bind_double)(struct db_stmt *, int, double);
	int		 (*bind_text)(struct db_stmt *, int, const char *, int);
	int		 (*bind_blob)(struct db_stmt *, int, const void *, int);
	int		 (*bind_null)(struct db_stmt *, int);
	int		 (*step)(struct db_stmt *);
	int		 (*column_count)(struct db_stmt *);
	const char	*(*column_name)(struct db_stmt *, int);
	int		 (*column_null)(struct db_stmt *, int);
	int64_t		 (*column_int64)(struct db_stmt *, int);
	double		 (*column_double)(struct db_stmt *, int);
	const char	*(*column_text)(struct db_stmt *, int);
	const void	*(*column_blob)(struct db_stmt *, int);
	int		 (*column_bytes)(struct db_stmt *, int);
};

struct db {
	const struct db_ops	*ops;
	enum db_kind		 kind;
	char			*name;		/* for messages */
	enum db_err		 err;
	char			 errmsg[512];
};

struct db_stmt {
	struct db		*db;
};

/* The drivers' open functions (db_open() picks one by the target). */
struct db	*db_sqlite_open(const char *path, char *err, size_t errlen);
struct db	*db_pg_open(const char *uri, char *err, size_t errlen);

#endif
