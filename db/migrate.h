/*
 * The schema migrations carried inside the programs (generated from
 * db/schema/NNN-*.sql by db/embed-schema.sh).  Each migration
 * is applied once, in name order, and noted by name in the table
 * schema_migrations; PRAGMA user_version keeps the count applied.
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
