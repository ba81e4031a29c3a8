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
  # No failure accounting (max_fails=0): a request that a dead worker refuses goes on to
  # the next at once (nginx.conf's proxy_next_upstream), which costs a refused connect.
  # Counting failures took busy workers out too (a websocket handshake Daphne drops
  # after 5 s under load), and with every worker out nginx answers 502 to everyone.
  servers="$servers        server 127.0.0.1:$port max_fails=0;\n"
done
sed -e "s/@LISTEN@/127.0.0.1:${BALANCER_PORT:-8080}/" -e "s/^@WORKERS@$/$servers/" \
  deploy/nginx.conf > "$dir/nginx.conf"
exec nginx -p "$(cd "$dir" && pwd)/" -c nginx.conf
