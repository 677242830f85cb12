#!/usr/bin/env bash
# Make a PostGIS database for fieldapp's tests (or a local production-like run), idempotently.
# Usage: scripts/setup-postgres.sh [DBNAME]   (default fieldapp_test; role fieldapp/fieldapp)
# Installs PostgreSQL 15 + PostGIS via apt when root and missing, starts the cluster when it is down.
set -euo pipefail
db="${1:-fieldapp_test}"
role="${FIELDAPP_PG_ROLE:-fieldapp}"
password="${FIELDAPP_PG_PASSWORD:-fieldapp}"

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "Installing PostgreSQL + PostGIS (apt)…"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 >/dev/null
  else
    echo "PostGIS is not installed: run as root or 'sudo apt-get install postgresql-15-postgis-3'." >&2
    exit 1
  fi
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "Starting PostgreSQL…"
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

as_postgres psql -v ON_ERROR_STOP=1 -qAt -h /var/run/postgresql -d postgres <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN PASSWORD '$password' CREATEDB;
  END IF;
END \$\$;
SQL
if [ -z "$(as_postgres psql -qAt -h /var/run/postgresql -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
  as_postgres createdb -h /var/run/postgresql -O "$role" "$db"
fi
as_postgres psql -v ON_ERROR_STOP=1 -qAt -h /var/run/postgresql -d "$db" \
  -c "CREATE EXTENSION IF NOT EXISTS postgis" -c "GRANT ALL ON SCHEMA public TO $role" >/dev/null
echo "PostGIS database ready: postgresql+psycopg://$role:$password@127.0.0.1:5432/$db"
