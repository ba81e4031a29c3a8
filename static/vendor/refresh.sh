#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (pinned versions below).
# Run it by hand when upgrading; the files it writes are committed, so no build step runs.
set -euo pipefail
cd "$(dirname "$0")"
HTMX_VERSION=2.0.11
XTERM_VERSION=6.0.0
FIT_VERSION=0.11.0
WEB_LINKS_VERSION=0.12.0
SEARCH_VERSION=0.16.0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package version -> unpacked into $tmp/<package>
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && mkdir -p "$1" && tar -xzf ./*.tgz -C "$1" && rm ./*.tgz)
}
fetch htmx.org "$HTMX_VERSION"
rm -f htmx-*.min.js
cp "$tmp/htmx.org/package/dist/htmx.min.js" "htmx-$HTMX_VERSION.min.js"
fetch @xterm/xterm "$XTERM_VERSION"
fetch @xterm/addon-fit "$FIT_VERSION"
fetch @xterm/addon-web-links "$WEB_LINKS_VERSION"
fetch @xterm/addon-search "$SEARCH_VERSION"
rm -rf xterm && mkdir -p xterm
cp "$tmp/@xterm/xterm/package/lib/xterm.js" "xterm/xterm-$XTERM_VERSION.js"
cp "$tmp/@xterm/xterm/package/css/xterm.css" "xterm/xterm-$XTERM_VERSION.css"
cp "$tmp/@xterm/xterm/package/LICENSE" xterm/LICENSE
cp "$tmp/@xterm/addon-fit/package/lib/addon-fit.js" "xterm/addon-fit-$FIT_VERSION.js"
cp "$tmp/@xterm/addon-web-links/package/lib/addon-web-links.js" "xterm/addon-web-links-$WEB_LINKS_VERSION.js"
cp "$tmp/@xterm/addon-search/package/lib/addon-search.js" "xterm/addon-search-$SEARCH_VERSION.js"
echo "vendored: htmx $HTMX_VERSION, xterm $XTERM_VERSION (fit $FIT_VERSION, web-links $WEB_LINKS_VERSION, search $SEARCH_VERSION)"
