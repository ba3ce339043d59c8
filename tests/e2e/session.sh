#!/usr/bin/env bash
# Runs a command inside a hermetic desktop session (the E2E suite, the keyring tests). Call it under
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- tests/e2e/session.sh CMD...
# It gives the command a temp HOME (so the keyring and any stray app data land there), its own
# session D-Bus, an unlocked gnome-keyring, and TAURI_WEBVIEW_AUTOMATION (without it
# WebKitWebDriver hangs).
set -euo pipefail

if [ -z "${WEBHOOK_STUDIO_SESSION_HOME:-}" ]; then
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

  # The keyring is started by D-Bus itself, on the first request for the Secret Service, from a
  # service file in this HOME (a user's service file wins over the system's). It reads the
  # password from stdin, so it unlocks (or creates) the login keyring in this HOME.
  #
  # Why D-Bus starts it and not this script: gnome-keyring 42 can abort when a client disconnects
  # in the middle of a call (GLib-ERROR "g_variant_new: expected GVariant of type 'v'", after
  # "gkd_secret_service_get_pkcs11_session: assertion 'client' failed"; a known upstream bug, seen
  # in CI when a test closed the app). D-Bus then started the system's service file on the next
  # request: a locked keyring in the real HOME, and every later test failed. Started from this
  # file, the next request gets the same unlocked keyring back, with every secret in it (it is on
  # disk). Its messages go to this session's stderr, so a daemon that dies says so in the log.
  mkdir -p "$XDG_DATA_HOME/dbus-1/services"
  # The daemon replaces the script (exec, its password on stdin from a here-document), so the pid
  # recorded is the daemon's.
  cat >"$session_home/keyring-daemon.sh" <<SCRIPT
#!/bin/sh
echo \$\$ >>"$session_home/keyring-daemon.pids"
exec gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null <<PASSWORD
e2e-keyring-password
PASSWORD
SCRIPT
  cat >"$XDG_DATA_HOME/dbus-1/services/org.freedesktop.secrets.service" <<SERVICE
[D-BUS Service]
Name=org.freedesktop.secrets
Exec=/bin/sh $session_home/keyring-daemon.sh
SERVICE

  # Stops this session's keyring daemons (only processes still named so: a pid of one that died
  # may have been reused) and removes the temp HOME; never changes the command's exit status.
  cleanup() {
    local pid
    if [ -f "$session_home/keyring-daemon.pids" ]; then
      while read -r pid; do
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = gnome-keyring-d ]; then
          kill "$pid" 2>/dev/null || true
          for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
        fi
      done <"$session_home/keyring-daemon.pids" || true
    fi
    rm -rf "$session_home" 2>/dev/null || true
  }
  trap cleanup EXIT
  # A session bus of our own, started with this HOME so it reads the service file above.
  export WEBHOOK_STUDIO_SESSION_HOME="$session_home"
  status=0
  dbus-run-session -- "$0" "$@" || status=$?
  exit "$status"
fi

# Inside our own session bus. Ready means a secret can be stored, read and cleared (the login
# keyring is created asynchronously after the daemon takes its name).
ready=""
for _ in $(seq 1 200); do
  # Each try is bounded: a daemon that hangs must not hold D-Bus's 25 s reply timeout 200 times.
  if printf 'ready' | timeout 5 secret-tool store --label=session-ready webhook-studio-session ready 2>/dev/null \
    && [ "$(timeout 5 secret-tool lookup webhook-studio-session ready 2>/dev/null)" = ready ] \
    && timeout 5 secret-tool clear webhook-studio-session ready 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.05
done
if [ -z "$ready" ]; then
  echo "session.sh: gnome-keyring did not become ready on this session's D-Bus" >&2
  exit 1
fi

export GNOME_KEYRING_CONTROL="$XDG_RUNTIME_DIR/keyring"
export TAURI_WEBVIEW_AUTOMATION=true
"$@"
