#!/usr/bin/env bash
# Installs PostgreSQL 15 and pgvector on Debian, idempotently.
#
# - PostgreSQL 15 comes from the distribution (postgresql-15).
# - pgvector comes from the distribution package postgresql-15-pgvector when the
#   configured apt sources have it; Debian bookworm does not, so the script then
#   builds a Debian source package against postgresql-server-dev-15, newest
#   first: forky's (0.8.7, fetched with apt-get source through a private
#   sources list and lists directory: the machine's own apt configuration is
#   never edited); else pgvector 0.8.6's upstream tarball from the mirror's
#   pool, checked against the SHA-256 pinned below (forky's index names 0.8.7,
#   whose files some mirrors do not serve, while 0.8.6's are still there);
#   else trixie's 0.8.0, with a warning. An installed pgvector older than what
#   can be had is rebuilt the same way; existing databases then need
#   `ALTER EXTENSION vector UPDATE` (`truthgraph-db doctor` says so, and
#   docs/operations.md gives the whole upgrade).
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

# 2. pgvector: 0.8.7 wanted (CVE-2026-3172 parallel HNSW build overflow fixed
# in 0.8.2, HNSW vacuum corruption fixed in 0.8.3/0.8.4). 0.8.6 has all three
# fixes. A failed forky download is not retried for a day (marker in
# /var/tmp), so a second run stays fast and quiet.
WANT_PGVECTOR=0.8.7
PINNED_PGVECTOR=0.8.6
PINNED_PGVECTOR_SHA256=25c9b78cfdaa43c66788d7490246ac24e4fe1c86f19c4b60c089b723f84a4a0d
UPGRADE_MARKER=/var/tmp/truthgraph-pgvector-upgrade-failed
older_than() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" != "$2" ]; }

# The Debian mirror the machine already uses, read from its own apt sources.
debian_mirror() {
  local mirror
  mirror="$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)"
  if [ -z "$mirror" ]; then
    mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\?\([^ ]*\/debian\) .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1)"
  fi
  [ -n "$mirror" ] || { log "cannot find a Debian mirror in the apt sources"; return 1; }
  echo "$mirror"
}

# Builds and installs pgvector from the upstream tarball $1 (removed after).
build_tarball() {
  local orig="$1" build
  build="$(mktemp -d)"
  tar -xf "$orig" -C "$build" --strip-components=1
  make -s -C "$build" PG_CONFIG="$PG_CONFIG" >/dev/null
  $SUDO make -s -C "$build" PG_CONFIG="$PG_CONFIG" install >/dev/null
  rm -rf "$build"
}

# Builds and installs pgvector from the Debian source package of suite $1.
build_from_debian_source() {
  local suite="$1" mirror work orig apt_opts
  apt_install "postgresql-server-dev-${PG_MAJOR}" make gcc ca-certificates
  mirror="$(debian_mirror)" || return 1
  work="$(mktemp -d)"
  mkdir -p "$work/lists/partial" "$work/src"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main" >"$work/sources.list"
  apt_opts=(-o "APT::Sandbox::User=root" -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists")
  if ! { $SUDO apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 &&
         (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only -qq pgvector >/dev/null 2>&1); }; then
    log "the pgvector source package of Debian ${suite} could not be downloaded from ${mirror}"
    rm -rf "$work"
    return 1
  fi
  orig="$(ls "$work"/src/pgvector_*.orig.tar.* | head -n1)"
  build_tarball "$orig"
  log "built pgvector from Debian ${suite} ($(basename "$orig"))"
  rm -rf "$work"
}

# Builds and installs pgvector $PINNED_PGVECTOR from the mirror's pool, after
# checking the tarball against the pinned SHA-256 (the one its Debian .dsc
# gives).
build_pinned_from_pool() {
  local mirror work orig
  apt_install "postgresql-server-dev-${PG_MAJOR}" make gcc ca-certificates curl
  mirror="$(debian_mirror)" || return 1
  work="$(mktemp -d)"
  orig="$work/pgvector_${PINNED_PGVECTOR}.orig.tar.gz"
  if ! curl -fsSL -o "$orig" "${mirror}/pool/main/p/pgvector/pgvector_${PINNED_PGVECTOR}.orig.tar.gz"; then
    log "pgvector ${PINNED_PGVECTOR} could not be downloaded from ${mirror}"
    rm -rf "$work"
    return 1
  fi
  if ! echo "${PINNED_PGVECTOR_SHA256}  ${orig}" | sha256sum -c --status; then
    log "pgvector ${PINNED_PGVECTOR} from ${mirror} does not match its pinned SHA-256: not installed"
    rm -rf "$work"
    return 1
  fi
  build_tarball "$orig"
  log "built pgvector ${PINNED_PGVECTOR} from ${mirror} (SHA-256 checked)"
  rm -rf "$work"
}

# Installs the newest pgvector reachable: forky's, the pinned one, trixie's.
# $1 is the installed version (empty if none): nothing older is installed.
install_newest_pgvector() {
  local installed="$1"
  if [ -z "$(find "$UPGRADE_MARKER" -mmin -1440 2>/dev/null)" ]; then
    build_from_debian_source forky && return 0
    touch "$UPGRADE_MARKER"
  fi
  if [ -z "$installed" ] || older_than "$installed" "$PINNED_PGVECTOR"; then
    build_pinned_from_pool && return 0
  fi
  [ -z "$installed" ] && build_from_debian_source trixie
}

version="$(pgvector_version || true)"
if [ -z "$version" ]; then
  apt_update_once
  if apt-cache show "postgresql-${PG_MAJOR}-pgvector" >/dev/null 2>&1; then
    apt_install "postgresql-${PG_MAJOR}-pgvector"
  else
    log "no postgresql-${PG_MAJOR}-pgvector package here; building pgvector from a Debian source package"
    install_newest_pgvector "" || true
  fi
  version="$(pgvector_version)" || { log "pgvector did not install"; exit 1; }
elif older_than "$version" "$WANT_PGVECTOR" &&
     { [ -z "$(find "$UPGRADE_MARKER" -mmin -1440 2>/dev/null)" ] || older_than "$version" "$PINNED_PGVECTOR"; }; then
  log "pgvector $version is older than $WANT_PGVECTOR: trying a newer Debian source"
  apt_update_once
  install_newest_pgvector "$version" || true
  new="$(pgvector_version)"
  if [ "$new" != "$version" ]; then
    log "upgraded pgvector $version -> $new: existing databases run ALTER EXTENSION vector UPDATE (truthgraph-db doctor checks; docs/operations.md)"
    version="$new"
  fi
fi

# pgvector before 0.8.4 has HNSW bugs fixed upstream (parallel build overflow, vacuum).
lowest="$(printf '%s\n0.8.4\n' "$version" | sort -V | head -n1)"
if [ "$lowest" != "0.8.4" ]; then
  log "warning: pgvector $version is older than 0.8.4 (known HNSW parallel-build and vacuum bugs fixed upstream)"
fi
log "PostgreSQL $("${PG_BIN}/postgres" --version | awk '{print $3}') at ${PG_BIN}"
echo "pgvector $version"
