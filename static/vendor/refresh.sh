#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (pinned versions below).
# Run it by hand when upgrading; the files it writes are committed, so no build step runs.
set -euo pipefail
cd "$(dirname "$0")"
HTMX_VERSION=2.0.11
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package version -> unpacked into $tmp/<package>
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1" && tar -xzf ./*.tgz -C "$1" && rm ./*.tgz)
}
fetch htmx.org "$HTMX_VERSION"
rm -f htmx-*.min.js
cp "$tmp/htmx.org/package/dist/htmx.min.js" "htmx-$HTMX_VERSION.min.js"
echo "vendored: htmx $HTMX_VERSION"
