#!/usr/bin/env bash
# Makes a Debian/Ubuntu machine ready to build, run (`setup.sh run`) or test (`setup.sh test`)
# Graph Webhook Studio. Says what is missing and how it installs it; changes nothing that is
# already in place.
set -euo pipefail

mode="${1:-run}"
root_dir="$(cd "$(dirname "$0")/.." && pwd)"

# What building the desktop app needs (Tauri 2 on WebKitGTK 4.1).
build_packages=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libsoup-3.0-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev)
# What the tests need: a virtual display, a D-Bus session, a keyring and the driver for the real
# window; the openssl CLI makes certificates independently of our code for the crypto tests.
# The package test validates the menu entry and reads the .rpm. curl runs the app's "copy as
# curl" commands; xdotool and xwininfo answer the native save dialog as a person would. stunnel
# puts TLS in front of the Kafka broker of the Event Hubs tests (tansu 0.6 cannot take both a
# certificate and a key on its command line). dunst is the desktop's notification service the
# E2E suite checks the app's notifications reach (D-Bus starts it on the first one).
test_packages=(xvfb xauth dbus dbus-x11 gnome-keyring libsecret-tools webkit2gtk-driver openssl
  desktop-file-utils rpm file python3-venv curl xdotool x11-utils stunnel4 dunst)

wanted=("${build_packages[@]}")
if [ "$mode" = "test" ]; then wanted+=("${test_packages[@]}"); fi

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

if ! command -v dpkg-query >/dev/null 2>&1; then
  say "Not a Debian/Ubuntu system: install the equivalents of these packages yourself:"
  printf '    %s\n' "${wanted[@]}"
else
  missing=()
  for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$package")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Missing system packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
      sudo=()
    elif command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
      say "Installing them with sudo apt-get (you may be asked for your password)"
    else
      fail "run as root or install sudo, or install them yourself: apt-get install ${missing[*]}"
    fi
    say "apt-get update && apt-get install ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

command -v cargo >/dev/null 2>&1 || fail "Rust is not installed: see https://rustup.rs (Rust 1.90 or newer)"
command -v node >/dev/null 2>&1 || fail "Node.js is not installed: Node 20.19 or newer is needed for the UI build"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (it comes with Node.js)"
node_version=$(node -p 'process.versions.node')
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $node_version is too old: the UI build needs 20.19 or newer"

# npm dependencies: reinstall only when the lock file changed since the last install.
npm_install() { # folder, what it is
  local stamp="$root_dir/$1/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$root_dir/$1/package-lock.json" "$stamp"; then
    say "Installing $2 (npm ci in $1)"
    (cd "$root_dir/$1" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$root_dir/$1/package-lock.json" "$stamp"
  fi
}
npm_install ui "the UI's npm packages"
# The official MCP Inspector, the client nobody here wrote that drives `webhook-studio mcp`.
if [ "$mode" = "test" ]; then npm_install tests/mcp-inspector "the MCP Inspector"; fi
# node-oidc-provider, the certified OpenID Provider the sign-in tests run against (`make oidc-test`).
if [ "$mode" = "test" ]; then npm_install tests/oidc-provider "node-oidc-provider"; fi
# A webhook handler written from Microsoft's docs (jsonwebtoken, jwks-rsa): the sandbox's judge.
if [ "$mode" = "test" ]; then npm_install tests/graph-handler "the doc-written webhook handler"; fi
