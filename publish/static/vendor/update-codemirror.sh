#!/bin/sh
# Re-vendor CodeMirror 5 (the SPARQL query page's editor) into publish/static/vendor/codemirror/.
#
#   sh publish/static/vendor/update-codemirror.sh            # the pinned version below
#   sh publish/static/vendor/update-codemirror.sh 5.65.21    # another 5.x version
#
# Fetches the package tarball from the npm registry with `npm pack` (no install, no scripts run),
# copies only the four files the page uses, and prints their SHA-256 for the README. Then update the
# version in publish/static/vendor/README.md.
set -eu

VERSION="${1:-5.65.21}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DEST="$HERE/codemirror"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cd "$TMP"
npm pack --silent "codemirror@$VERSION" >/dev/null
tar -xzf "codemirror-$VERSION.tgz"

got="$(node -p "require('./package/package.json').version")"
[ "$got" = "$VERSION" ] || { echo "expected codemirror $VERSION, got $got" >&2; exit 1; }

mkdir -p "$DEST"
cp package/lib/codemirror.js package/lib/codemirror.css package/mode/sparql/sparql.js package/LICENSE "$DEST/"

echo "codemirror $VERSION vendored into $DEST:"
cd "$DEST" && sha256sum codemirror.js codemirror.css sparql.js LICENSE
