#!/bin/sh
# One console worker (Daphne on 127.0.0.1:$1), started again whenever it dies: the
# Procfile's runner (honcho) would otherwise stop every process when one exits, so a
# killed worker would take the whole layout down. Stopped by TERM/INT (honcho's stop).
set -u
cd "$(dirname "$0")/.."
port="$1"
child=""
stop() {
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null && wait "$child"
  exit 0
}
trap stop TERM INT
while :; do
  .venv/bin/daphne -b 127.0.0.1 -p "$port" --proxy-headers console.asgi:application &
  child=$!
  wait "$child"
  status=$?
  echo "worker on port $port exited ($status); starting it again in 1 s" >&2
  sleep 1
done
