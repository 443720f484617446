#!/usr/bin/env bash
# bench/postgis.sh — the standard point workload against PostGIS and against
# the fence engine (in process) in one run; prints both figures and the ratio.
#
# Usage: bench/postgis.sh [ZONE_COUNTS...]        (default: 1000 10000)
# Environment: DURATION (per timed PostGIS run, default 10s), CLIENTS
# (default "1,8"), CHECK (points compared with the fence engine, default
# 10000), SEED (default 1).
#
# It installs postgresql-15-postgis-3 with apt-get if missing, starts a
# throwaway PostgreSQL 15 cluster in a temporary directory on 127.0.0.1 and
# a free port (never the system cluster), writes the workload with
# `sfbench -write`, loads the zones into a geometry(Polygon,4326) table with
# a GiST index (`sfbench -postgis`), runs the same uniform points with
# ST_Intersects from 1 and 8 clients, runs the fence engine's point queries
# in process (`sfbench -zones-file ... -points-file ...`, 1 goroutine and one
# per CPU), and on any exit
# stops the cluster and removes the directory. Every step runs under
# `timeout`; the whole run takes about 2–3 minutes.
set -euo pipefail

cd "$(dirname "$0")/.."
ZONES=("${@:-1000 10000}")
# shellcheck disable=SC2206
ZONES=(${ZONES[*]})
DURATION=${DURATION:-10s}
CLIENTS=${CLIENTS:-1,8}
CHECK=${CHECK:-10000}
SEED=${SEED:-1}
PGBIN=/usr/lib/postgresql/15/bin

if ! dpkg-query -W -f='${Status}' postgresql-15-postgis-3 2>/dev/null | grep -q 'ok installed'; then
	echo "== installing postgresql-15-postgis-3" >&2
	if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive timeout 600 $SUDO apt-get install -y -qq --no-install-recommends postgresql-15-postgis-3 >&2
fi

TMP=$(mktemp -d -t sfbench-postgis.XXXXXX)
PGDATA=$TMP/pg
PG_STARTED=
CHILD=
cleanup() {
	local rc=$?
	# No second signal may cut the cleanup short.
	trap '' INT TERM HUP
	trap - EXIT
	set +e
	if [ -n "$CHILD" ]; then kill "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
	if [ -n "$PG_STARTED" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# step OUT CMD...: runs CMD in the background with stdout to OUT and waits,
# so that a signal runs the cleanup at once (and the cleanup stops CMD).
step() {
	local out=$1
	shift
	"$@" >"$out" &
	CHILD=$!
	wait "$CHILD"
	CHILD=
}

# initdb refuses to run as root: then the cluster belongs to postgres.
if [ "$(id -u)" -eq 0 ]; then
	PGUSER_OS=postgres
	id "$PGUSER_OS" >/dev/null
	as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
else
	as_pg() { "$@"; }
fi
chmod 755 "$TMP"
mkdir "$PGDATA" "$TMP/sock"
if [ "$(id -u)" -eq 0 ]; then chown "$PGUSER_OS" "$PGDATA" "$TMP/sock"; fi

# A free port on 127.0.0.1, away from 5432.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 20000))
	if port_free "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "no free port found" >&2; exit 1; }

echo "== throwaway cluster in $PGDATA on 127.0.0.1:$PORT" >&2
as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-sync >/dev/null
# A benchmark cluster: no durability needed, logs into the data directory.
cat >>"$PGDATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$TMP/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
max_connections = 50
jit = off
EOF
PG_STARTED=1
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null
URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"

echo "== building sfbench" >&2
step /dev/null timeout 300 go build -o "$TMP/sfbench" ./cmd/sfbench
SFB=$TMP/sfbench

declare -a ROWS
for N in "${ZONES[@]}"; do
	DATA=$TMP/data-$N
	echo "== $N zones: writing the workload (seed $SEED)" >&2
	step "$TMP/write.out" timeout 120 "$SFB" -seed "$SEED" -zones "$N" -objects 0 -write "$DATA" -write-only
	cat "$TMP/write.out" >&2

	echo "== $N zones: PostGIS (clients $CLIENTS, $DURATION each)" >&2
	step "$TMP/pg.out" timeout 300 "$SFB" -postgis "$URL" -zones-file "$DATA/zones.geojson" -points-file "$DATA/points.csv" \
		-clients "$CLIENTS" -duration "$DURATION" -check "$CHECK"
	PGOUT=$(<"$TMP/pg.out")
	echo "$PGOUT" >&2

	echo "== $N zones: fence engine in process" >&2
	step "$TMP/fence1.out" timeout 120 "$SFB" -zones-file "$DATA/zones.geojson" -points-file "$DATA/points.csv" -objects 0 -rounds 20
	FOUT=$(<"$TMP/fence1.out")
	echo "$FOUT" >&2
	NCPU=$(nproc)
	step "$TMP/fence2.out" timeout 120 "$SFB" -zones-file "$DATA/zones.geojson" -points-file "$DATA/points.csv" -objects 0 -rounds 20 -workers "$NCPU"
	FOUT2=$(<"$TMP/fence2.out")
	grep '^point queries' <<<"$FOUT2" >&2
	fqps2=$(sed -n 's/^point queries: .*: \([0-9]*\) q\/s.*/\1/p' <<<"$FOUT2")

	fqps=$(sed -n 's/^point queries: .*: \([0-9]*\) q\/s.*/\1/p' <<<"$FOUT")
	fp50=$(sed -n 's/^point query latency: p50 \([^,]*\),.* p99 \([^,]*\),.*/\1/p' <<<"$FOUT")
	fp99=$(sed -n 's/^point query latency: p50 \([^,]*\),.* p99 \([^,]*\),.*/\2/p' <<<"$FOUT")
	check=$(grep '^CHECK' <<<"$PGOUT" | sed 's/ (.*//; s/^CHECK //') || check="(no check)"
	while read -r line; do
		clients=$(sed -n 's/.* clients=\([0-9]*\).*/\1/p' <<<"$line")
		qps=$(sed -n 's/.* qps=\([0-9]*\).*/\1/p' <<<"$line")
		p50=$(sed -n 's/.* p50_us=\([0-9.]*\).*/\1/p' <<<"$line")
		p99=$(sed -n 's/.* p99_us=\([0-9.]*\).*/\1/p' <<<"$line")
		ratio=$(awk -v f="$fqps" -v p="$qps" 'BEGIN { if (p > 0) printf "%.0f", f / p; else print "-" }')
		ROWS+=("$(printf '| %s | PostGIS ST_Intersects, %s client(s), loopback | %s q/s | %s µs | %s µs | fence %sx |' "$N" "$clients" "$qps" "$p50" "$p99" "$ratio")")
	done < <(grep '^RESULT engine=postgis' <<<"$PGOUT")
	ROWS+=("$(printf '| %s | fence engine in process, 1 goroutine | %s q/s | %s | %s | — |' "$N" "$fqps" "$fp50" "$fp99")")
	ROWS+=("$(printf '| %s | fence engine in process, %s goroutines | %s q/s | | | — |' "$N" "$NCPU" "$fqps2")")
	ROWS+=("| $N | answers checked: $check | | | | |")
done

echo
echo "PostGIS vs fence engine, seed $SEED, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs"
echo "| zones | system | throughput | p50 | p99 | ratio (fence 1 goroutine q/s / PostGIS q/s) |"
echo "| --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
