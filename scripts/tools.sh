# Installs what building and testing Heard need, skipping whatever is already
# there at the right version. Sourced by scripts/start and scripts/test.
# Debian-like machine with Rust (rustup) installed; apt needs root or sudo.

WASM_BINDGEN_VERSION=0.2.130   # must equal the `wasm-bindgen` pin in Cargo.toml
CARGO_LEPTOS_VERSION=0.3.10
CARGO_DENY_VERSION=0.20.2
BINARYEN_VERSION=132.0.0
# Tools that live outside the system: binaryen's wasm-opt from npm.
HEARD_TOOLS="${HEARD_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/heard-tools}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PACKAGE... : installs the Debian packages that are missing.
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

ensure_build_tools() {
  apt_install pkg-config libssl-dev
  command -v npm >/dev/null || apt_install nodejs npm
  # wasm-opt shrinks the wasm for tablets on poor wifi. Debian's binaryen
  # (108) corrupts the externref table that wasm-bindgen 0.2.130 emits (the
  # page's wasm then fails to start), so use a current release from npm.
  if [ "$("$HEARD_TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null)" != "wasm-opt version ${BINARYEN_VERSION%%.*} (version_${BINARYEN_VERSION%%.*})" ]; then
    say "installing binaryen $BINARYEN_VERSION (wasm-opt) from npm"
    npm install --prefix "$HEARD_TOOLS" --no-audit --no-fund --loglevel=error "binaryen@$BINARYEN_VERSION"
  fi
  export PATH="$HEARD_TOOLS/node_modules/.bin:$PATH"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ]; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes)"
    # no_downloads: use the wasm-bindgen and wasm-opt on PATH, fetch nothing.
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force
  fi
}

ensure_test_tools() {
  # xmllint checks REFI-QDA exports against their XML schemas.
  apt_install chromium chromium-driver libxml2-utils
  if [ ! -f tests/node_modules/axe-core/axe.min.js ] || ! cmp -s tests/package-lock.json tests/node_modules/.package-lock.json; then
    say "installing axe-core for the browser tests"
    npm ci --prefix tests --no-audit --no-fund --loglevel=error
  fi
}

ensure_supply_chain_tools() {
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    say "installing cargo-deny $CARGO_DENY_VERSION (about 5 minutes)"
    cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --force
  fi
}

# check_supply_chain: licences, duplicate and wildcard bans and sources
# against deny.toml always; security advisories when a copy of the RustSec
# database can be reached (HEARD_ADVISORY_DB: a git URL or folder, by
# default the mirror these machines keep, as GitHub itself is not reachable
# from them). Without one, the advisories check is reported as skipped.
# The copy's date is printed, so a stale one shows.
check_supply_chain() {
  say "cargo deny: licences, bans, sources"
  cargo deny --log-level error check licenses bans sources
  local db="${HEARD_ADVISORY_DB:-/work/.mirror/rustsec+advisory-db/repo}"
  # cargo deny keeps the default database (github.com/RustSec/advisory-db)
  # in this folder; a clone of the copy there stands in for it offline.
  local local_db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-3157b0e258782691"
  if [ -e "$db" ] || [[ "$db" == *://* ]]; then
    say "cargo deny: advisories (RustSec database from $db)"
    if [ -d "$local_db/.git" ]; then
      git -C "$local_db" fetch --quiet "$db" HEAD && git -C "$local_db" reset --quiet --hard FETCH_HEAD
    else
      rm -rf "$local_db"
      git clone --quiet "$db" "$local_db"
      git -C "$local_db" fetch --quiet "$db" HEAD
    fi
    say "advisory database as of $(git -C "$local_db" log -1 --format=%cs FETCH_HEAD)"
    cargo deny --offline --log-level error check advisories
  else
    say "cargo deny: advisories SKIPPED (no copy of the RustSec database at $db; set HEARD_ADVISORY_DB)"
  fi
}

build_release() {
  say "building Heard (release)"
  # --precompress: brotli and gzip copies of the site made now, and the
  # site built before the server, which embeds it.
  cargo leptos build --release --precompress
}
