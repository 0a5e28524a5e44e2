#!/usr/bin/env bash
# Installs (if missing) and starts PostgreSQL from Debian's packages on
# 127.0.0.1, with a role that may create databases, and exports what the
# storage tests read: TEST_DATABASE_URL and REQUIRE_POSTGRES=1.
# Source it: `. .ci/postgres.sh`.
set -euo pipefail

# Root here; elsewhere (e.g. a GitHub runner) through sudo.
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo"

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  echo "==> installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  $as_root apt-get update -qq
  $as_root apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  $as_root pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$version *main .* online"; then
  $as_root pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')

$as_root su postgres -c "psql -q -p $port -v ON_ERROR_STOP=1" <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dispatcher') THEN
    CREATE ROLE dispatcher LOGIN PASSWORD 'dispatcher' CREATEDB;
  END IF;
END
$$;
SQL

export TEST_DATABASE_URL="postgres://dispatcher:dispatcher@127.0.0.1:$port/postgres"
export REQUIRE_POSTGRES=1
echo "==> PostgreSQL $version on 127.0.0.1:$port (TEST_DATABASE_URL set)"
