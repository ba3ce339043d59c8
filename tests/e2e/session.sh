#!/usr/bin/env bash
# Runs a command inside a hermetic desktop session (the E2E suite, the keyring tests). Call it under
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- tests/e2e/session.sh CMD...
# It gives the command a temp HOME (so the keyring and any stray app data land there), an
# unlocked gnome-keyring, and TAURI_WEBVIEW_AUTOMATION (without it WebKitWebDriver hangs).
set -euo pipefail

# Cargo and rustup live under the real HOME; keep pointing at them.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"

session_home=$(mktemp -d -t webhook-studio-e2e-home.XXXXXX)
chmod 700 "$session_home"
export HOME="$session_home"
export XDG_RUNTIME_DIR="$session_home/run"
export XDG_DATA_HOME="$session_home/.local/share"
export XDG_CONFIG_HOME="$session_home/.config"
mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"

keyring_pid=""
cleanup() {
  if [ -n "$keyring_pid" ]; then kill "$keyring_pid" 2>/dev/null || true; fi
  rm -rf "$session_home"
}
trap cleanup EXIT

# An unlocked login keyring that answers on this session's D-Bus (Secret Service).
eval "$(printf 'e2e-keyring-password' | gnome-keyring-daemon --daemonize --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
keyring_pid=$(pgrep -n -u "$(id -u)" -f 'gnome-keyring-daemon --daemonize' || true)

export TAURI_WEBVIEW_AUTOMATION=true
"$@"
