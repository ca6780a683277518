#!/usr/bin/env bash
# Installs PostgreSQL 15 and pgvector on Debian, idempotently.
#
# - PostgreSQL 15 comes from the distribution (postgresql-15).
# - pgvector comes from the distribution package postgresql-15-pgvector when the
#   configured apt sources have it; Debian bookworm does not, so the script then
#   builds the Debian *forky* source package (pgvector 0.8.7) against
#   postgresql-server-dev-15. The forky source index is fetched with a private
#   sources list and lists directory: the machine's own apt configuration is
#   never edited. An installed pgvector older than 0.8.7 (an earlier run built
#   0.8.0 from trixie) is rebuilt the same way; existing databases then need
#   `ALTER EXTENSION vector UPDATE` (`truthgraph-db doctor` says so).
# - When both are already installed it only prints the versions (well under 1 s).
#
# Prints, as its last line: "pgvector <version>".
# Environment: PG_MAJOR (default 15).
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_BIN}/pg_config"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

log() { echo "provision: $*" >&2; }

ext_dir() { "$PG_CONFIG" --sharedir 2>/dev/null | sed 's|$|/extension|'; }

pgvector_version() {
  local control
  control="$(ext_dir)/vector.control"
  [ -f "$control" ] || return 1
  sed -n "s/^default_version = '\(.*\)'/\1/p" "$control"
}

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

apt_install() {
  apt_update_once
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. PostgreSQL server binaries.
if [ ! -x "${PG_BIN}/postgres" ] || [ ! -x "${PG_BIN}/initdb" ]; then
  apt_install "postgresql-${PG_MAJOR}"
fi

# 2. pgvector: 0.8.7 wanted (CVE-2026-3172 parallel HNSW build overflow, HNSW
# vacuum corruption fixed in 0.8.3/0.8.4). Debian forky carries it as a source
# package; where the mirror does not serve forky's files, trixie's 0.8.0 is
# built instead (and a warning printed). A failed upgrade is not retried for a
# day (marker in /var/tmp), so a second run stays fast and quiet.
WANT_PGVECTOR=0.8.7
UPGRADE_MARKER=/var/tmp/truthgraph-pgvector-upgrade-failed
older_than() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" != "$2" ]; }

# Builds and installs pgvector from the Debian source package of suite $1.
build_from_debian_source() {
  local suite="$1" mirror work orig apt_opts
  apt_install "postgresql-server-dev-${PG_MAJOR}" make gcc ca-certificates
  # The mirror the machine already uses, read from its own apt sources.
  mirror="$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)"
  if [ -z "$mirror" ]; then
    mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\/debian\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)"
  fi
  [ -n "$mirror" ] || { log "cannot find a Debian mirror in the apt sources"; return 1; }
  work="$(mktemp -d)"
  mkdir -p "$work/lists/partial" "$work/src" "$work/build"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main" >"$work/sources.list"
  apt_opts=(-o "APT::Sandbox::User=root" -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists")
  if ! { $SUDO apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 &&
         (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector >/dev/null 2>&1); }; then
    log "the pgvector source package of Debian ${suite} could not be downloaded from ${mirror}"
    rm -rf "$work"
    return 1
  fi
  orig="$(ls "$work"/src/pgvector_*.orig.tar.* | head -n1)"
  tar -xf "$orig" -C "$work/build" --strip-components=1
  make -s -C "$work/build" PG_CONFIG="$PG_CONFIG" >/dev/null
  $SUDO make -s -C "$work/build" PG_CONFIG="$PG_CONFIG" install >/dev/null
  rm -rf "$work"
  log "built pgvector from Debian ${suite} ($(basename "$orig"))"
}

version="$(pgvector_version || true)"
if [ -z "$version" ]; then
  apt_update_once
  if apt-cache show "postgresql-${PG_MAJOR}-pgvector" >/dev/null 2>&1; then
    apt_install "postgresql-${PG_MAJOR}-pgvector"
  else
    log "no postgresql-${PG_MAJOR}-pgvector package here; building pgvector from a Debian source package"
    build_from_debian_source forky || { touch "$UPGRADE_MARKER"; build_from_debian_source trixie; }
  fi
  version="$(pgvector_version)" || { log "pgvector did not install"; exit 1; }
elif older_than "$version" "$WANT_PGVECTOR" && ! [ -n "$(find "$UPGRADE_MARKER" -mmin -1440 2>/dev/null)" ]; then
  log "pgvector $version is older than $WANT_PGVECTOR: trying the Debian forky source package"
  apt_update_once
  if build_from_debian_source forky; then
    version="$(pgvector_version)"
    log "upgraded: existing databases run ALTER EXTENSION vector UPDATE (truthgraph-db doctor checks)"
  else
    touch "$UPGRADE_MARKER"
  fi
fi

# pgvector before 0.8.4 has HNSW bugs fixed upstream (parallel build overflow, vacuum).
lowest="$(printf '%s\n0.8.4\n' "$version" | sort -V | head -n1)"
if [ "$lowest" != "0.8.4" ]; then
  log "warning: pgvector $version is older than 0.8.4 (known HNSW parallel-build and vacuum bugs fixed upstream)"
fi
log "PostgreSQL $("${PG_BIN}/postgres" --version | awk '{print $3}') at ${PG_BIN}"
echo "pgvector $version"
