#!/usr/bin/env bash
# Several copies of GenLab behind nginx, on loopback, with sticky sessions.
#
#   deploy/run_local_cluster.sh           start, check, then serve until Ctrl-C (or SIGTERM)
#   deploy/run_local_cluster.sh --check   start, check, stop everything, exit 0 if all checks passed
#
# One `streamlit run` copy per `server 127.0.0.1:PORT;` line of deploy/nginx/genlab.conf, and
# nginx on that file's `listen` address. Everything it starts runs from a temporary folder
# (logs, nginx's pid and temp files) and is stopped when the script exits.
# Environment: PYTHON (default python3, with requirements.txt installed), GENLAB_WORKERS (default:
# the cores divided among the copies), NGINX (default nginx), KEEP_LOGS=1 to keep the folder.
set -euo pipefail

DEPLOY="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$DEPLOY")"
CONF="$DEPLOY/nginx/genlab.conf"
PYTHON="${PYTHON:-python3}"
NGINX="${NGINX:-nginx}"
CHECK_ONLY=0
[ "${1:-}" = "--check" ] && CHECK_ONLY=1

mapfile -t PORTS < <(grep -oE '^\s*server 127\.0\.0\.1:[0-9]+' "$CONF" | grep -oE '[0-9]+$')
LISTEN="$(grep -oE '^\s*listen [0-9.]+:[0-9]+' "$CONF" | awk '{print $2}')"
[ "${#PORTS[@]}" -ge 1 ] && [ -n "$LISTEN" ] || { echo "cannot read ports from $CONF" >&2; exit 2; }
URL="http://$LISTEN"

RUN="$(mktemp -d "${TMPDIR:-/tmp}/genlab-cluster.XXXXXX")"
chmod 755 "$RUN"                               # nginx's workers (user nobody) write their temp files here
PIDS=()

stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$RUN/nginx.pid" ]; then
    "$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_LOGS:-0}" = 1 ] || { [ "$status" -ne 0 ] && [ "$status" -ne 130 ] && [ "$status" -ne 143 ]; }; then echo "logs kept in $RUN"; else rm -rf "$RUN"; fi
  echo "== stopped (exit $status)"
  exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Share the cores: each copy gets its share of training worker processes.
CORES="$(nproc)"
export GENLAB_WORKERS="${GENLAB_WORKERS:-$(( CORES / ${#PORTS[@]} > 0 ? CORES / ${#PORTS[@]} : 1 ))}"
# One cookie secret for all copies, so the XSRF cookie a copy signed is valid on every copy.
export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')}"

echo "== ${#PORTS[@]} copies on ports ${PORTS[*]} (GENLAB_WORKERS=$GENLAB_WORKERS each), nginx on $URL, files in $RUN"
cd "$ROOT"
for port in "${PORTS[@]}"; do
  "$PYTHON" -m streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port "$port" \
    --server.headless true --browser.gatherUsageStats false > "$RUN/streamlit-$port.log" 2>&1 &
  PIDS+=("$!")
done

ln -s "$DEPLOY/nginx" "$RUN/genlab"            # genlab.conf's relative includes: genlab/maps.conf, genlab/site.conf
cat > "$RUN/nginx.conf" <<EOF
worker_processes 1;
daemon on;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log $RUN/nginx-access.log;
    client_body_temp_path $RUN/client_body;
    proxy_temp_path $RUN/proxy;
    fastcgi_temp_path $RUN/fastcgi;
    uwsgi_temp_path $RUN/uwsgi;
    scgi_temp_path $RUN/scgi;
    include genlab/genlab.conf;
}
EOF
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -t -q
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf"

fail() { echo "FAIL: $*" >&2; tail -n 20 "$RUN"/*.log >&2 || true; exit 1; }

echo "== waiting for every copy's /_stcore/health"
for port in "${PORTS[@]}"; do
  for _ in $(seq 120); do
    [ "$(curl -fsS "http://127.0.0.1:$port/_stcore/health" 2>/dev/null)" = ok ] && break
    sleep 1
  done
  [ "$(curl -fsS "http://127.0.0.1:$port/_stcore/health" 2>/dev/null)" = ok ] || fail "copy on port $port is not healthy"
done

echo "== /_stcore/health through nginx"
[ "$(curl -fsS "$URL/_stcore/health")" = ok ] || fail "health through nginx"

echo "== sticky: one cookie, one copy; new browsers spread over all copies"
seen=""
for i in $(seq 12); do
  jar="$RUN/cookies-$i"
  first="$(curl -fsS -c "$jar" -o /dev/null -D - "$URL/_stcore/health" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-genlab-upstream"{print $2}')"
  for _ in 1 2 3; do
    again="$(curl -fsS -b "$jar" -o /dev/null -D - "$URL/_stcore/health" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-genlab-upstream"{print $2}')"
    [ "$again" = "$first" ] || fail "browser $i went to $first, then to $again"
  done
  seen="$seen"$'\n'"$first"
done
copies_seen="$(printf '%s\n' "$seen" | sed '/^$/d' | sort | uniq -c)"
echo "$copies_seen"
[ "$(printf '%s\n' "$copies_seen" | wc -l)" -eq "${#PORTS[@]}" ] || fail "12 new browsers did not reach all ${#PORTS[@]} copies"

echo "== the app's page through nginx"
curl -fsS "$URL/" | grep -q '<div id="root">' || fail "no Streamlit page at $URL/"

echo "== all checks passed: open $URL"
if [ "$CHECK_ONLY" = 1 ]; then exit 0; fi
echo "== serving until Ctrl-C"
wait "${PIDS[@]}"
