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

# An unlocked login keyring that answers on this session's D-Bus (Secret Service). It runs in the
# foreground of a background job, not with --daemonize: the daemonizing parent can hold the bus name
# for a moment and let it go, and a client asking then makes D-Bus start a second, locked daemon
# from its service file (seen in CI as "Message recipient disconnected"). Its messages go to this
# session's stderr, so a daemon that dies says so in the log.
printf 'e2e-keyring-password' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
keyring_pid=$!
export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"

# Ready means the name is owned by that daemon and a secret can be stored, read and cleared (the
# login keyring is created asynchronously after the name is taken). No client may ask before the
# name is owned, or D-Bus activates the service file's daemon.
secrets_owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
ready=""
for _ in $(seq 1 200); do
  if ! kill -0 "$keyring_pid" 2>/dev/null; then break; fi
  if secrets_owned \
    && printf 'ready' | secret-tool store --label=session-ready webhook-studio-session ready 2>/dev/null \
    && [ "$(secret-tool lookup webhook-studio-session ready 2>/dev/null)" = ready ] \
    && secret-tool clear webhook-studio-session ready 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.05
done
if [ -z "$ready" ]; then
  echo "session.sh: gnome-keyring did not become ready on this session's D-Bus" >&2
  exit 1
fi

export TAURI_WEBVIEW_AUTOMATION=true
"$@"
