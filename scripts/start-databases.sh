#!/usr/bin/env bash
# Start PostgreSQL and MariaDB if they are installed here but not running. Quiet when they run.
set -uo pipefail

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
my_up() { mysqladmin -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 ping >/dev/null 2>&1; }

# PostGIS (tests/test_addon_geoalchemy2.py): Debian's package for the installed PostgreSQL, put in
# where it is missing and this machine allows it (root, apt-get); without it those tests say so,
# and fail in CI.
if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_version=$(ls /etc/postgresql | head -n 1)
    postgis="postgresql-$pg_version-postgis-3"
    if [ ! -e "/usr/share/postgresql/$pg_version/extension/postgis.control" ] \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing PostGIS ($postgis)"
        export DEBIAN_FRONTEND=noninteractive
        timeout 300 apt-get install -y -q "$postgis" >/dev/null 2>&1 \
            || { timeout 300 apt-get update -q >/dev/null 2>&1 \
                && timeout 300 apt-get install -y -q "$postgis" >/dev/null 2>&1; } \
            || echo "warning: could not install $postgis; the geoalchemy2 tests need it" >&2
    fi
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_up; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi
if [ -x /usr/sbin/mariadbd ] && ! my_up; then
    echo "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 30); do
    ok=1
    if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_up; then ok=0; fi
    if [ -x /usr/sbin/mariadbd ] && ! my_up; then ok=0; fi
    [ "$ok" = 1 ] && exit 0
    sleep 1
done
echo "warning: a database server did not come up in 30 s" >&2
exit 0
