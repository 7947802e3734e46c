#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (MongoDB wire protocol on SQLite) with the machine's Go from the Go
# module proxy, once, into the cache; prints the binary's path. Tests find it there or via FERRETDB_BIN.
set -euo pipefail
version=v1.24.2
cache="${VIGIL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vigil}"
bin="$cache/ferretdb-bin"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "version: $version"; then
  echo "$bin"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "install-ferretdb: Go is needed to build FerretDB ($version) and none is on PATH" >&2; exit 1; }
src="$cache/ferretdb-src"
mkdir -p "$src"
cd "$src"
[ -f go.mod ] || printf 'module vigil.local/ferretdb-tool\n\ngo 1.24\n' > go.mod
echo "install-ferretdb: building FerretDB $version with $(go version)" >&2
go get -tool "github.com/FerretDB/FerretDB/cmd/ferretdb@$version" >&2
# The module as served by the proxy lacks the generated build/version/version.txt, and a build of
# FerretDB's own main package panics without it; build from a copy that has it.
moddir=$(go list -m -f '{{.Dir}}' "github.com/FerretDB/FerretDB")
rm -rf "$src/FerretDB" && cp -r "$moddir" "$src/FerretDB" && chmod -R u+w "$src/FerretDB"
echo "$version" > "$src/FerretDB/build/version/version.txt"
(cd "$src/FerretDB" && go build -trimpath -o "$bin.tmp" ./cmd/ferretdb) >&2
mv "$bin.tmp" "$bin"
echo "$bin"
