#!/usr/bin/env bash
# Creates the database named in the URL (argument 1) if it does not exist yet.
set -euo pipefail
url="$1"
db="$(printf '%s' "$url" | sed -E 's#^[a-z]+://[^/]*/([^?]*).*#\1#')"
admin="$(printf '%s' "$url" | sed -E 's#^([a-z]+://[^/]*/)[^?]*#\1postgres#')"
if [ "$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
  psql "$admin" -qc "CREATE DATABASE \"$db\"" && echo "created database $db"
fi
