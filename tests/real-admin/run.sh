#!/usr/bin/env bash
# Builds the real FlyteAdmin once (the wrapper module beside this script) and runs it for the
# tests: a throw-away PostgreSQL cluster (initdb in a temp dir, run as an unprivileged user when
# invoked as root, since postgres refuses root), `flyteadmin migrate run`, `migrate seed-projects
# flytesnacks`, then `flyteadmin serve` on free ports. Prints `PORT <http port>` once
# /healthcheck answers on 127.0.0.1, then keeps everything running until its parent process (the
# test run) exits or it is sent TERM/INT, and then stops flyteadmin and PostgreSQL and removes the
# temp dir.
#
#   run.sh           build if needed, then run as above
#   run.sh --build   build if needed, print the binary's path, exit
#
# Environment:
#   FLYTEADMIN_BIN     an already-built flyteadmin to run instead of building one
#   REAL_ADMIN_CACHE   where the binary is built (default <workspace>/target/real-admin)
#   PG_BIN             PostgreSQL's bin directory (default: the newest /usr/lib/postgresql/*/bin)
#
# flyteadmin listens on 0.0.0.0 (its address is hard-coded; only the ports are configurable):
# nothing here sends traffic anywhere but 127.0.0.1.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
workspace="$(cd "$here/../.." && pwd)"
cache="${REAL_ADMIN_CACHE:-$workspace/target/real-admin}"
export PATH="$PATH:/usr/local/go/bin"

die() {
    echo "real-admin: $*" >&2
    exit 1
}

# The binary, built into $cache/bin once per version of the wrapper module's sources.
build() {
    if [ -n "${FLYTEADMIN_BIN:-}" ]; then
        [ -x "$FLYTEADMIN_BIN" ] || die "FLYTEADMIN_BIN=$FLYTEADMIN_BIN is not an executable file"
        echo "$FLYTEADMIN_BIN"
        return
    fi
    command -v go >/dev/null || die "Go is not installed (needed to build FlyteAdmin; see tests/real-admin/README.md)"
    local stamp binary
    stamp="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" 2>/dev/null | sha256sum | cut -c1-16)"
    binary="$cache/bin/flyteadmin-$stamp"
    if [ ! -x "$binary" ]; then
        mkdir -p "$cache/bin"
        echo "real-admin: building FlyteAdmin into $binary (the first build downloads ~1 GB of Go modules)" >&2
        (cd "$here" && CGO_ENABLED=0 go build -mod=mod -trimpath \
            -ldflags "-X github.com/flyteorg/flyte/flytestdlib/version.Version=v1.16.8" -o "$binary.tmp" .) >&2 ||
            die "building FlyteAdmin failed (see above; tests/real-admin/README.md says what the Go module proxy must serve)"
        mv "$binary.tmp" "$binary"
    fi
    echo "$binary"
}

# Three free TCP ports on 127.0.0.1 (PostgreSQL, HTTP, gRPC) plus one for the profiler/metrics.
free_ports() {
    python3 - <<'EOF'
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
EOF
}

binary="$(build)"
if [ "${1:-}" = "--build" ]; then
    echo "$binary"
    exit 0
fi

pg_bin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"
[ -x "$pg_bin/initdb" ] || die "PostgreSQL is not installed (no initdb under ${pg_bin:-/usr/lib/postgresql/*/bin}): apt-get install postgresql"

state="$(mktemp -d "${TMPDIR:-/tmp}/flyte-real-admin.XXXXXX")"
chmod 755 "$state"
read -r pg_port http_port grpc_port profiler_port <<<"$(free_ports)"
parent=$PPID
admin_pid=""

as_db_user() { "$@"; }
if [ "$(id -u)" = "0" ]; then
    # postgres refuses to run as root; `nobody` owns the cluster's files instead.
    as_db_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
fi

cleanup() {
    trap - EXIT TERM INT
    [ -n "$admin_pid" ] && kill "$admin_pid" 2>/dev/null && wait "$admin_pid" 2>/dev/null
    as_db_user "$pg_bin/pg_ctl" -D "$state/pg" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

mkdir -p "$state/pg" "$state/storage/flyte"
[ "$(id -u)" = "0" ] && chown nobody:nogroup "$state/pg"
as_db_user "$pg_bin/initdb" -D "$state/pg" -U postgres -A trust --no-sync >"$state/initdb.log" 2>&1 ||
    die "initdb failed: $(cat "$state/initdb.log")"
as_db_user "$pg_bin/pg_ctl" -D "$state/pg" -l "$state/pg/server.log" -w \
    -o "-h 127.0.0.1 -p $pg_port -k $state/pg -F" start >/dev/null ||
    die "PostgreSQL did not start: $(cat "$state/pg/server.log")"
"$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE flyte" >/dev/null ||
    die "cannot create the flyte database"

sed -e "s|@STATE@|$state|g" -e "s|@PG_PORT@|$pg_port|g" -e "s|@HTTP_PORT@|$http_port|g" \
    -e "s|@GRPC_PORT@|$grpc_port|g" -e "s|@PROFILER_PORT@|$profiler_port|g" \
    "$here/flyteadmin.yaml" >"$state/flyteadmin.yaml"
cp "$here/kubeconfig.yaml" "$state/kubeconfig.yaml"

"$binary" --config "$state/flyteadmin.yaml" migrate run >"$state/migrate.log" 2>&1 ||
    die "flyteadmin migrate run failed: $(tail -20 "$state/migrate.log")"
"$binary" --config "$state/flyteadmin.yaml" migrate seed-projects flytesnacks >>"$state/migrate.log" 2>&1 ||
    die "flyteadmin migrate seed-projects failed: $(tail -20 "$state/migrate.log")"
"$binary" --config "$state/flyteadmin.yaml" serve >"$state/serve.log" 2>&1 &
admin_pid=$!

for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$http_port/healthcheck" 2>/dev/null; then
        echo "PORT $http_port"
        # Stay until the test run (our parent) is gone, or flyteadmin dies.
        while kill -0 "$parent" 2>/dev/null && kill -0 "$admin_pid" 2>/dev/null; do
            sleep 1
        done
        kill -0 "$admin_pid" 2>/dev/null || die "flyteadmin exited: $(tail -20 "$state/serve.log")"
        exit 0
    fi
    kill -0 "$admin_pid" 2>/dev/null || die "flyteadmin serve exited: $(tail -20 "$state/serve.log")"
    sleep 0.1
done
die "flyteadmin did not answer /healthcheck within 30 s: $(tail -20 "$state/serve.log")"
