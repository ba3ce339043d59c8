#!/usr/bin/env bash
# `make package-test`: what a user on Debian or Ubuntu does with the package, on this machine.
# Installs target/package/graph-webhook-studio_*.deb with apt, checks what it declares and puts
# where, runs the installed `webhook-studio` from PATH, opens the installed app in the real window
# under Xvfb (screenshots in target/e2e/package/), has it find, download and verify an update from
# a local HTTPS server signed with the test key (and refuse a tampered one), then uninstalls it and
# checks that nothing is left but the user's data folder. Also reads the .rpm's metadata (it is
# not installed here).
# Needs root or sudo (apt installs system-wide).
set -euo pipefail

root_dir="$(cd "$(dirname "$0")/.." && pwd)"
package_dir="$root_dir/target/package"
shots="$root_dir/target/e2e/package"
name=graph-webhook-studio

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31mpackage test failed:\033[0m %s\n' "$*" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi

shopt -s nullglob
debs=("$package_dir"/"${name}"_*.deb)
rpms=("$package_dir"/"${name}"-*.rpm)
shopt -u nullglob
[ "${#debs[@]}" -gt 0 ] || fail "no .deb in $package_dir: run make package"
deb=${debs[0]}
rpm_file=${rpms[0]:-}
# The test installs and purges the package: never do that to a copy someone installed for use.
if dpkg -s "$name" >/dev/null 2>&1; then
  fail "$name is installed on this machine; the package test would replace and remove it. Remove it first (sudo apt remove $name), or run the test on a CI machine."
fi

say "Control fields of $(basename "$deb")"
control=$(dpkg-deb -f "$deb")
printf '%s\n' "$control" | sed 's/^/    /'
[ "$(dpkg-deb -f "$deb" Package)" = "$name" ] || fail "the package is not named $name"
depends=$(dpkg-deb -f "$deb" Depends)
for library in libwebkit2gtk-4.1-0 libgtk-3-0 libsoup-3.0-0 libjavascriptcoregtk-4.1-0 libdbus-1-3 libc6; do
  grep -q "$library" <<<"$depends" || fail "Depends does not declare $library"
done

say "Every library the binary links is declared (dpkg-shlibdeps)"
scratch=$(mktemp -d)
installed=no
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  # A failure half-way leaves nothing installed behind.
  if [ "$installed" = yes ]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$name" >/dev/null 2>&1 || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT
dpkg-deb -x "$deb" "$scratch/root"
mkdir -p "$scratch/shlibs/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$name" "$name" >"$scratch/shlibs/debian/control"
needed=$(cd "$scratch/shlibs" && dpkg-shlibdeps -O "$scratch/root/usr/bin/webhook-studio" 2>/dev/null \
  | sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' | sed 's/^ *//; s/ .*//')
for package in $needed; do
  grep -q "\b$package\b" <<<"$depends" || fail "the binary needs $package, which Depends does not declare"
done

say "Contents: the binary, the menu entry and icons, nothing from the build tree"
# Files only (directories are shared with other packages), as /absolute paths.
contents=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sed 's|^\./|/|; s|^\([^/]\)|/\1|')
printf '%s\n' "$contents" | sed 's/^/    /'
grep -qx '/usr/bin/webhook-studio' <<<"$contents" || fail "no /usr/bin/webhook-studio"
grep -qx "/usr/share/applications/$name.desktop" <<<"$contents" || fail "no menu entry"
grep -q '/usr/share/icons/hicolor/128x128/apps/webhook-studio.png' <<<"$contents" || fail "no 128 px icon"
unexpected=$(grep -v -E '^/usr/(bin/webhook-studio|share/applications/|share/icons/hicolor/)' <<<"$contents" || true)
[ -z "$unexpected" ] || fail "unexpected files: $(tr '\n' ' ' <<<"$unexpected")"
if grep -q -E "$root_dir|/target/|\.\./" <<<"$contents"; then fail "a path from the build tree is packaged"; fi
desktop-file-validate "$scratch/root/usr/share/applications/$name.desktop"
grep -qx 'Exec=webhook-studio' "$scratch/root/usr/share/applications/$name.desktop" || fail "the menu entry does not run webhook-studio"
kind=$(file "$scratch/root/usr/bin/webhook-studio")
if grep -q 'not stripped' <<<"$kind"; then fail "the binary is not stripped: $kind"; fi

if [ -n "$rpm_file" ] && command -v rpm >/dev/null 2>&1; then
  say "The .rpm declares the same files and its runtime requirements"
  requires=$(rpm -qp --requires "$rpm_file" 2>/dev/null)
  grep -q webkit2gtk4.1 <<<"$requires" || fail "the .rpm does not require webkit2gtk4.1"
  rpm_files=$(rpm -qlp "$rpm_file" 2>/dev/null)
  [ "$(sort <<<"$rpm_files")" = "$(sort <<<"$contents")" ] || fail "the .rpm's files differ from the .deb's: $rpm_files"
fi

say "apt install ./$(basename "$deb")"
installed=yes
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "$deb" >/dev/null
dpkg -L "$name" >/dev/null || fail "dpkg does not know $name after installing"
[ "$(command -v webhook-studio)" = /usr/bin/webhook-studio ] || fail "webhook-studio on PATH is $(command -v webhook-studio)"

say "The installed command, from PATH"
data=$(mktemp -d)
version=$(webhook-studio --version)
echo "    $version"
grep -q "$(dpkg-deb -f "$deb" Version)" <<<"$version" || fail "--version says '$version'"
webhook-studio --data-dir "$data" catalog check "/me/mailFolders('inbox')/messages" --change-type created,updated \
  | sed 's/^/    /'

# One real-window test against the installed binary; extra VAR=value words go to its environment.
installed_e2e() {
  local test=$1
  shift
  (cd "$root_dir" && env WEBHOOK_STUDIO_BIN=/usr/bin/webhook-studio WEBHOOK_STUDIO_E2E_DIR="$shots" "$@" \
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- tests/e2e/session.sh \
    cargo test -q --workspace --test e2e -- --ignored --exact "$test")
}

# The HTTPS update server (tests/e2e/update_server.py) with its arguments; sets $server, $port.
start_update_server() {
  rm -f "$tls/port"
  python3 "$root_dir/tests/e2e/update_server.py" "$tls/cert.pem" "$tls/key.pem" "$@" >"$tls/port" &
  server=$!
  for _ in $(seq 50); do [ -s "$tls/port" ] && break; sleep 0.1; done
  port=$(head -1 "$tls/port")
  [ -n "$port" ] || fail "the update server did not start"
}

stop_update_server() {
  kill "$server" 2>/dev/null || true
  server=
}

say "The installed app opens in the real window (screenshots in $shots)"
rm -rf "$shots"
(cd "$root_dir" && cargo build -q --workspace --tests)
installed_e2e foundation::window_opens_and_every_screen_shows
ls "$shots"/*.png >/dev/null || fail "no screenshot of the installed app"

say "The installed app updates from a signed manifest over HTTPS, and refuses a tampered download"
# A throwaway CA and a certificate for localhost; the app trusts the CA through SSL_CERT_FILE (the
# system's bundle plus this CA), so nothing on the machine changes.
tls="$scratch/tls"
mkdir -p "$tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=package test CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/key.pem" -out "$tls/csr.pem" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$tls/ext"
openssl x509 -req -in "$tls/csr.pem" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
  -days 1 -extfile "$tls/ext" -out "$tls/cert.pem" 2>/dev/null
cat "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$tls/ca.pem" >"$tls/bundle.pem"
start_update_server "$tls/tampered"
installed_e2e desktop::updates_are_offered_verified_and_refused_when_tampered \
  WEBHOOK_STUDIO_UPDATE_SERVER="https://localhost:$port" WEBHOOK_STUDIO_UPDATE_TAMPER_FLAG="$tls/tampered" \
  SSL_CERT_FILE="$tls/bundle.pem"
stop_update_server

say "…and installs a signed newer package through the package manager, then restarts"
# The update: this package as version 9.9.9, signed for 9.9.9 with a key made now (the pinned
# Tauri CLI, as the release workflow signs). pkexec is replaced by a stand-in that runs the
# command directly, in place of the password a person types (the test runs as root).
up="$scratch/update"
mkdir -p "$up/bin"
dpkg-deb -R "$deb" "$up/root"
sed -i 's/^Version: .*/Version: 9.9.9/' "$up/root/DEBIAN/control"
dpkg-deb -b "$up/root" "$up/$name.deb" >/dev/null
"$root_dir/ui/node_modules/.bin/tauri" signer generate --ci -p "" -w "$up/key" >/dev/null 2>&1
"$root_dir/ui/node_modules/.bin/tauri" signer sign -f "$up/key" -p "" --app-version 9.9.9 "$up/$name.deb" >/dev/null 2>&1
[ -s "$up/$name.deb.sig" ] || fail "the update could not be signed"
printf '#!/bin/sh\n# Stands in for the polkit password prompt a person answers.\nexec "$@"\n' >"$up/bin/pkexec"
chmod +x "$up/bin/pkexec"
start_update_server "$tls/never" "$up/$name.deb"
installed_e2e desktop::an_installed_package_updates_itself \
  WEBHOOK_STUDIO_UPDATE_SERVER="https://localhost:$port" WEBHOOK_STUDIO_UPDATE_TAMPER_FLAG="$tls/never" \
  WEBHOOK_STUDIO_UPDATE_PUBKEY_FILE="$up/key.pub" WEBHOOK_STUDIO_UPDATE_INSTALL_VERSION=9.9.9 \
  SSL_CERT_FILE="$tls/bundle.pem" PATH="$up/bin:$PATH"
stop_update_server
[ "$(dpkg-query -W -f='${Version}' "$name")" = 9.9.9 ] || fail "the update was not installed"

say "apt purge $name: nothing left but the user's data"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$name" >/dev/null
installed=no
if dpkg -s "$name" >/dev/null 2>&1; then fail "$name is still installed"; fi
while read -r path; do
  [ ! -e "$path" ] || fail "$path is left behind"
done <<<"$contents"
[ ! -e /usr/bin/webhook-studio ] || fail "/usr/bin/webhook-studio is left behind"
[ -d "$data" ] || fail "the user's data folder went with the package"
rm -rf "$data"
say "package test passed"
