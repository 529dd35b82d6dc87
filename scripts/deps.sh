#!/usr/bin/env bash
# Installs the Debian packages Rollbook needs when they are missing: PostgreSQL and libpq-dev (to
# build and run), and Chromium with its driver (browser tests). As a normal user, prints the one
# command to run as root instead.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -e /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
if [ "${ROLLBOOK_SKIP_BROWSER:-0}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Rollbook needs these Debian packages: ${missing[*]}" >&2
  echo "Run this once as root, then try again:" >&2
  echo "    sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends ${missing[*]}'" >&2
  exit 1
fi
echo "Installing ${missing[*]} …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
