#!/usr/bin/env bash
# Refreshes the vendored Leaflet in static/vendor/leaflet/ from the npm
# registry: fetches the pinned version with `npm pack`, checks the
# tarball's SHA-512 against the pinned one, and copies the built files the
# map uses (leaflet.js and its source map, leaflet.css, its images) and
# the licence. The copies are committed, so the Go build needs no npm.
#
# To move to another version: set LEAFLET_VERSION, run the script with
# LEAFLET_SHA512= (empty) to print the new tarball's digest, check it
# against `npm view leaflet@VERSION dist.integrity` (base64 of the same
# digest), pin it below and run the script again; then run the browser
# tests (go test ./cmd/safezones -run TestMap).
set -euo pipefail

LEAFLET_VERSION=1.9.4
LEAFLET_SHA512=${LEAFLET_SHA512-9f14b5ca7cc93a63a51e9fa22f71725aa2bcf46b4d2fc53caef94c3ac41d4d3b2cc59c025e1f0dd8d07718340e2fe611dd79d6c99031c108b15116fe140ef83c}

cd "$(dirname "$0")"
dest=static/vendor/leaflet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "leaflet@$LEAFLET_VERSION" >/dev/null)
tarball="$tmp/leaflet-$LEAFLET_VERSION.tgz"
got=$(sha512sum "$tarball" | cut -d' ' -f1)
if [ -z "$LEAFLET_SHA512" ]; then
  echo "leaflet-$LEAFLET_VERSION.tgz sha512: $got"
  exit 0
fi
if [ "$got" != "$LEAFLET_SHA512" ]; then
  echo "leaflet-$LEAFLET_VERSION.tgz has sha512 $got, want $LEAFLET_SHA512" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp"

rm -rf "$dest"
mkdir -p "$dest/images"
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.js.map" "$tmp/package/dist/leaflet.css" "$dest/"
cp "$tmp/package/dist/images/"*.png "$dest/images/"
cp "$tmp/package/LICENSE" "$dest/LICENSE"
printf 'leaflet %s\nsha512 %s\n' "$LEAFLET_VERSION" "$LEAFLET_SHA512" > "$dest/VERSION"
echo "Leaflet $LEAFLET_VERSION copied to web/$dest"
