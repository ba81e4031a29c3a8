#!/bin/sh
# nginx as the console's load balancer, from deploy/nginx.conf:
#   BALANCER_PORT (8080) where it listens, WORKER_PORTS ("8001 8002") the workers on
#   127.0.0.1, BALANCER_DIR (var/balancer) its config, logs and temporary files.
set -eu
cd "$(dirname "$0")/.."
dir="${BALANCER_DIR:-var/balancer}"
mkdir -p "$dir/tmp"
servers=""
for port in ${WORKER_PORTS:-8001 8002}; do
  # One failed attempt takes a worker out for 5 s (then nginx tries it again): a killed
  # worker costs the requests in flight on it, not one failure per user.
  servers="$servers        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;\n"
done
sed -e "s/@LISTEN@/127.0.0.1:${BALANCER_PORT:-8080}/" -e "s/^@WORKERS@$/$servers/" \
  deploy/nginx.conf > "$dir/nginx.conf"
exec nginx -p "$(cd "$dir" && pwd)/" -c nginx.conf
