#!/usr/bin/env bash
# Builds and installs Citus (the distributed PostgreSQL extension) from the
# vendored source tarball, idempotently. Only the `citus` test group and
# Citus deployments need it: `scripts/test.sh` does not.
#
# Citus is AGPL-3.0. It is test and deployment infrastructure: a server
# extension that a deployment runs; the truthgraph-db library never links it,
# and this repository does not carry its source.
#
# - Run after scripts/provision-postgres.sh (PostgreSQL 15 + pgvector).
# - The source is $CITUS_TARBALL (default: ../shared/vendor/citus-13.2.2.tar.gz
#   beside this repository), checked against its sha256; the PostgreSQL 15.20
#   build fix is $CITUS_PATCH (default: citus-13.2.2-pg15.20.patch beside the
#   tarball), applied only when the server headers export
#   have_createdb_privilege() (15.20 and later 15.x), which Citus 13.2.2 still
#   defines itself for PostgreSQL 15.
# - Build dependencies are installed with apt-get from the machine's own
#   sources (never edited): the list in ../shared/vendor/README.md.
# - When Citus is already installed it only prints the version (well under 1 s).
#
# Prints, as its last line: "citus <version>" (the extension's default version).
# Environment: PG_MAJOR (default 15), CITUS_TARBALL, CITUS_PATCH.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
PG_MAJOR="${PG_MAJOR:-15}"
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
CITUS_RELEASE="13.2.2"
CITUS_SHA256="dd2453caec20a830e5e63f1def5c5a98cb6f57ae510407cdcd800916fcdab430"
PATCH_SHA256="38f9dc1d8a7eceaff411fe38f9497bcb996253b2c2eefb4266a76a6d37926ff5"
CITUS_TARBALL="${CITUS_TARBALL:-$repo/../shared/vendor/citus-${CITUS_RELEASE}.tar.gz}"
CITUS_PATCH="${CITUS_PATCH:-$(dirname "$CITUS_TARBALL")/citus-${CITUS_RELEASE}-pg15.20.patch}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "provision-citus: $*" >&2; }
die() { log "$*"; exit 1; }

[ -x "$PG_CONFIG" ] || die "no ${PG_CONFIG}: run scripts/provision-postgres.sh first"

citus_version() {
  local control
  control="$("$PG_CONFIG" --sharedir)/extension/citus.control"
  [ -f "$control" ] && [ -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ] || return 1
  sed -n "s/^default_version = '\(.*\)'/\1/p" "$control"
}

if version="$(citus_version)"; then
  echo "citus $version"
  exit 0
fi

# The source: present, and the release we expect.
if [ ! -f "$CITUS_TARBALL" ]; then
  die "Citus source tarball not found: $CITUS_TARBALL
  Set CITUS_TARBALL to the path of citus-${CITUS_RELEASE}.tar.gz (the upstream v${CITUS_RELEASE}
  release source, sha256 ${CITUS_SHA256})."
fi
sha="$(sha256sum "$CITUS_TARBALL" | cut -d' ' -f1)"
[ "$sha" = "$CITUS_SHA256" ] || die "$CITUS_TARBALL: sha256 is $sha, expected $CITUS_SHA256 (citus ${CITUS_RELEASE})"

needs_patch=0
if grep -q 'have_createdb_privilege' "$("$PG_CONFIG" --includedir-server 2>/dev/null)/commands/dbcommands.h" 2>/dev/null; then
  needs_patch=1
fi

# Build dependencies (the server headers may still be missing when pgvector
# came from a package).
deps=(postgresql-server-dev-"${PG_MAJOR}" make gcc patch liblz4-dev libzstd-dev libkrb5-dev libssl-dev
  libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev)
missing=()
for p in "${deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$needs_patch" -eq 0 ] && grep -q 'have_createdb_privilege' \
  "$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h"; then
  needs_patch=1
fi
if [ "$needs_patch" -eq 1 ]; then
  [ -f "$CITUS_PATCH" ] || die "PostgreSQL $("$PG_CONFIG" --version) needs the build fix $CITUS_PATCH, which is missing (set CITUS_PATCH)"
  sha="$(sha256sum "$CITUS_PATCH" | cut -d' ' -f1)"
  [ "$sha" = "$PATCH_SHA256" ] || die "$CITUS_PATCH: sha256 is $sha, expected $PATCH_SHA256"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started_ms=$(( $(date +%s%N) / 1000000 ))
build_log="$work/build.log"
run() {
  if ! "$@" >>"$build_log" 2>&1; then
    log "failed: $*"
    tail -n 40 "$build_log" >&2
    exit 1
  fi
}
tar -xzf "$CITUS_TARBALL" -C "$work"
src="$work/citus-${CITUS_RELEASE}"
[ -d "$src" ] || die "$CITUS_TARBALL has no citus-${CITUS_RELEASE}/ directory"
if [ "$needs_patch" -eq 1 ]; then
  run patch -d "$src" -p1 -i "$CITUS_PATCH"
fi
log "building Citus ${CITUS_RELEASE} against $("$PG_CONFIG" --version) (about a minute on 2 cores)"
(cd "$src" && run ./configure --without-libcurl PG_CONFIG="$PG_CONFIG")
run make -C "$src" -j"$(nproc)"
run $SUDO make -C "$src" install
elapsed_ms=$(( $(date +%s%N) / 1000000 - started_ms ))
version="$(citus_version)" || die "citus did not install"
log "built and installed Citus ${CITUS_RELEASE} in $((elapsed_ms / 1000)).$(printf '%01d' $((elapsed_ms % 1000 / 100))) s"
echo "citus $version"
