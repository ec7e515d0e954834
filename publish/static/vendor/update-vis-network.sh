#!/bin/sh
# Re-vendor vis-network (the network views' renderer) into publish/static/vendor/vis-network/.
#
#   sh publish/static/vendor/update-vis-network.sh           # the pinned version below
#   sh publish/static/vendor/update-vis-network.sh 10.1.6    # another version
#
# Fetches the package tarball from the npm registry with `npm pack` (no install, no scripts run), copies
# the self-contained UMD build (`dist/`: vis-data included, no <style> injected at load) with its separate
# stylesheet and the two licence files, and prints their SHA-256 for the README. Then update the version
# and the checksums in publish/static/vendor/README.md.
set -eu

VERSION="${1:-10.1.5}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/vis-network"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "vis-network@$VERSION" >/dev/null
tar -xzf "vis-network-$VERSION.tgz"

got="$(node -p "require('./package/package.json').version")"
[ "$got" = "$VERSION" ] || { echo "expected vis-network $VERSION, got $got" >&2; exit 1; }

# The standalone/ build would do too, but it injects its CSS as a <style> element when it loads, which a
# Content-Security-Policy without 'unsafe-inline' refuses; dist/ ships the same code with the CSS apart.
if grep -q 'createElement("style")' package/dist/vis-network.min.js; then
  echo "package/dist/vis-network.min.js now injects a <style> element: check the CSP note in README.md" >&2
  exit 1
fi

mkdir -p "$DEST"
cp package/dist/vis-network.min.js package/dist/dist/vis-network.min.css \
   package/LICENSE-APACHE-2.0 package/LICENSE-MIT "$DEST/"

echo "vis-network $VERSION vendored into $DEST:"
cd "$DEST" && sha256sum vis-network.min.js vis-network.min.css LICENSE-APACHE-2.0 LICENSE-MIT
