#!/usr/bin/env bash
# Restore a CityOps backup made by backup.sh. Stop cityops-web and cityops-collect first.
# Usage: deploy/restore.sh FILE                         (reads CITYOPS_DATABASE_URL from the environment)
set -euo pipefail
file=${1:?usage: restore.sh BACKUP_FILE}
url=${CITYOPS_DATABASE_URL:-sqlite:///var/cityops.db}
case "$url" in
  postgresql*)
    pg_restore --clean --if-exists --no-owner --dbname="${url/+psycopg/}" "$file" ;;
  sqlite:///*)
    db=${url#sqlite:///}
    rm -f "$db-wal" "$db-shm"
    cp "$file" "$db" ;;
  *) echo "restore.sh: unsupported database URL scheme: ${url%%:*}" >&2; exit 2 ;;
esac
echo "restored $file; now run: python -m dashboard db upgrade"
