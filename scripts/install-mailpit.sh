#!/usr/bin/env bash
# Builds Mailpit v1.33.1 (an SMTP server that keeps what it receives and shows it through an HTTP
# API) with the machine's Go from the Go module proxy, once, into the cache; prints the binary's
# path. The e-mail channel's tests find it there or via MAILPIT_BIN.
set -euo pipefail
version=v1.33.1
cache="${VIGIL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vigil}"
bin="$cache/mailpit-bin"
if [ -x "$bin" ] && "$bin" version --no-release-check 2>/dev/null | grep -q "$version"; then
  echo "$bin"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "install-mailpit: Go is needed to build Mailpit ($version) and none is on PATH" >&2; exit 1; }
src="$cache/mailpit-src"
mkdir -p "$src"
cd "$src"
[ -f go.mod ] || printf 'module vigil.local/mailpit-tool\n\ngo 1.24\n' > go.mod
echo "install-mailpit: building Mailpit $version with $(go version)" >&2
go get -tool "github.com/axllent/mailpit@$version" >&2
# Without the version stamped in, `mailpit version` says "dev" and the check above never matches.
# Pure Go (its SQLite is modernc.org/sqlite): no C compiler needed.
CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/axllent/mailpit/config.Version=$version" -o "$bin.tmp" github.com/axllent/mailpit >&2
mv "$bin.tmp" "$bin"
echo "$bin"
