#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to the
# version that ships with this admin-tools image. Re-running it is harmless:
# create-database ignores an existing database, setup-schema keeps a newer
# version, and update-schema applies only the migrations that are missing.
# Connection settings come from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER and SQL_PASSWORD.
set -eu

schema_root=/etc/temporal/schema/postgresql/v12

setup_database() {
  database=$1
  versioned_dir=$2
  echo "Setting up database '$database'"
  temporal-sql-tool --db "$database" create-database
  temporal-sql-tool --db "$database" setup-schema -v 0.0
  temporal-sql-tool --db "$database" update-schema -d "$versioned_dir"
}

echo "Waiting for PostgreSQL at $SQL_HOST:$SQL_PORT"
attempt=0
until nc -z -w 5 "$SQL_HOST" "$SQL_PORT"; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "PostgreSQL did not accept connections in time" >&2
    exit 1
  fi
  sleep 2
done

setup_database temporal "$schema_root/temporal/versioned"
setup_database temporal_visibility "$schema_root/visibility/versioned"
echo "Schema setup complete"
