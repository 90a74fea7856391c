#!/usr/bin/env bash
# Back up the CityOps database: PostgreSQL with pg_dump (custom format), SQLite with its online backup API.
# Usage: deploy/backup.sh /var/backups/cityops        (reads CITYOPS_DATABASE_URL from the environment)
set -euo pipefail
target_dir=${1:?usage: backup.sh TARGET_DIR}
mkdir -p "$target_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
url=${CITYOPS_DATABASE_URL:-sqlite:///var/cityops.db}
case "$url" in
  postgresql*)
    pg_dump --format=custom --no-owner --dbname="${url/+psycopg/}" --file="$target_dir/cityops-$stamp.pgdump"
    echo "$target_dir/cityops-$stamp.pgdump" ;;
  sqlite:///*)
    db=${url#sqlite:///}
    sqlite3 "$db" ".backup '$target_dir/cityops-$stamp.sqlite'"
    echo "$target_dir/cityops-$stamp.sqlite" ;;
  *) echo "backup.sh: unsupported database URL scheme: ${url%%:*}" >&2; exit 2 ;;
esac
