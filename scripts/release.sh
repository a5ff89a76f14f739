#!/bin/sh
# Builds a release binary of zwfw with its version stamped in:
#   scripts/release.sh [output]            (default dist/zwfw)
#   GOOS=linux GOARCH=arm64 scripts/release.sh dist/zwfw-arm64
# The version is `git describe` (a tag like v1.2.0, or v1.2.0-3-gabc1234,
# "-dirty" when the work tree has changes), the commit is the full hash, the
# build date is now in UTC, or SOURCE_DATE_EPOCH when set (a reproducible
# build). `zwfw version` prints them.
set -eu

cd "$(dirname "$0")/.."
out=${1:-dist/zwfw}

version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commit=$(git rev-parse HEAD 2>/dev/null || echo "")
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
else
	date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
fi

pkg=zwfw/internal/app
mkdir -p "$(dirname "$out")"
CGO_ENABLED=0 go build -trimpath -buildvcs=false \
	-ldflags "-s -w -X $pkg.Version=$version -X $pkg.Commit=$commit -X $pkg.BuildDate=$date" \
	-o "$out" ./cmd/zwfw
echo "$out: zwfw $version ($commit, $date)"
