#!/bin/sh
# Creates Temporal's schemas in PostgreSQL, or upgrades them to this server version's.
# Idempotent: it runs before every start of the temporal service (temporalio/admin-tools).
set -eu
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
HOST=${POSTGRES_SEEDS:-postgres}
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

until nc -z -w 5 "$HOST" 5432; do
    echo "waiting for PostgreSQL at $HOST:5432"
    sleep 2
done

sql_tool() {
    temporal-sql-tool --plugin postgres12 --ep "$HOST" -p 5432 -u "${SQL_USER:-temporal}" "$@"
}
# The databases exist (deploy/postgres/init-databases.sh), owned by the temporal role.
sql_tool --db temporal setup-schema -v 0.0
sql_tool --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"
sql_tool --db temporal_visibility setup-schema -v 0.0
sql_tool --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"
echo "Temporal schemas are up to date"
