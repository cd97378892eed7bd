/*
 * The schema migrations carried inside the programs (generated from
 * db/schema/NNN-*.sql by db/embed-schema.sh).  Migration i (0-based)
 * brings the database from PRAGMA user_version i to i + 1.
 */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include <stddef.h>

struct db_migration {
	const char	*name;
	const char	*sql;
};

extern const struct db_migration db_migrations[];
extern const size_t db_migrations_count;

#endif
