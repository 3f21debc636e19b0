# Shared by scripts/serve, scripts/test and scripts/bench: installs what is missing and runs
# local PostgreSQL and Redis servers under var/, as an unprivileged user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VAR="$ROOT/var"
PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
SMTP_TEST_PORT="${SMTP_TEST_PORT:-52525}"
SMTP_TLS_TEST_PORT="${SMTP_TLS_TEST_PORT:-52587}"
export PATH="/opt/swift/usr/bin:$PATH"

SYSTEM_PACKAGES=(
    pkg-config curl openssl postgresql redis-server
    libpq-dev libhiredis-dev libcairo2-dev libcurl4-openssl-dev libssl-dev zlib1g-dev libxml2-dev
    fonts-dejavu-core fontconfig poppler-utils python3-venv
)

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root (or sudo) to run: $*" >&2; return 1
    fi
}

ensure_packages() {
    local missing=()
    for package in "${SYSTEM_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    command -v swift >/dev/null || { echo "Swift 6 is required (expected in /opt/swift or on PATH)" >&2; exit 1; }
}

# A Python environment under var/ for the test SMTP server and the benchmark's peers.
ensure_python() {
    local venv="$VAR/python"
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv"
        python3 -m venv "$venv"
    fi
    local wanted=()
    for requirement in "$@"; do
        "$venv/bin/python" -m pip show "${requirement%%[=<>\[]*}" >/dev/null 2>&1 || wanted+=("$requirement")
    done
    if [ ${#wanted[@]} -gt 0 ]; then
        log "pip install ${wanted[*]}"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "${wanted[@]}"
    fi
    PYTHON="$venv/bin/python"
}

# Swagger UI's files for GET /docs, from PyPI (drf-spectacular-sidecar ships Swagger UI 5, which
# renders OpenAPI 3.1; swagger-ui-bundle's 4.15 does not): installed without its Django
# dependency (only the static files are used), never committed. Sets DOCS_DIRECTORY.
SWAGGER_UI_PACKAGE="drf-spectacular-sidecar==2026.10.1"
ensure_swagger_ui() {
    ensure_python
    "$PYTHON" -m pip show drf-spectacular-sidecar >/dev/null 2>&1 \
        || { log "pip install $SWAGGER_UI_PACKAGE (Swagger UI)"; "$PYTHON" -m pip install -q --disable-pip-version-check --no-deps "$SWAGGER_UI_PACKAGE"; }
    DOCS_DIRECTORY="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/drf_spectacular_sidecar/static/drf_spectacular_sidecar/swagger-ui-dist"
    export DOCS_DIRECTORY
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1; }

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` system user.
pg_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }
as_pg_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_data_dir() {
    local dir="$VAR/postgres/data"
    # The postgres user must reach var/; when a parent folder is private, keep the cluster in /var/tmp.
    if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
        dir="/var/tmp/governance-$(echo "$ROOT" | md5sum | cut -c1-8)/postgres/data"
    fi
    echo "$dir"
}

start_postgres() {
    local bin data
    bin="$(pg_bin)"
    data="$(pg_data_dir)"
    mkdir -p "$(dirname "$data")" "$VAR/log"
    if [ "$(id -u)" -eq 0 ]; then chown "$(pg_user)" "$(dirname "$data")"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
        log "initialising PostgreSQL in $data"
        as_pg_user "$bin/initdb" -D "$data" -U governance --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        local logfile="$(dirname "$data")/postgres.log"
        as_pg_user "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
            -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${PG_FSYNC:-on}" start >/dev/null
    fi
    export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=governance
}

create_database() {
    local name="$1"
    if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        log "creating database $name"
        psql -q -d postgres -c "CREATE DATABASE \"$name\"" >/dev/null
    fi
}

start_redis() {
    mkdir -p "$VAR/redis"
    if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        log "starting Redis on 127.0.0.1:$REDIS_PORT"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$VAR/redis" \
            --pidfile "$VAR/redis/redis.pid" --logfile "$VAR/redis/redis.log" --appendonly yes --save "" >/dev/null
        for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
        echo "Redis did not start; see $VAR/redis/redis.log" >&2
        exit 1
    fi
}
