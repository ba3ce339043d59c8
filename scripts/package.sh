#!/usr/bin/env bash
# `make package`: the Linux packages the Tauri bundler builds on this machine (.deb and .rpm),
# with the pinned Tauri CLI from ui/node_modules and nothing downloaded from elsewhere. They are
# copied to target/package/ under stable names, and each artifact's size is printed against the
# budget (docs/testing.md records the figures). AppImage, macOS and Windows packages need tools
# this machine cannot fetch: the release workflow builds those (docs/releasing.md).
set -euo pipefail

root_dir="$(cd "$(dirname "$0")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root_dir/target}"
out="$root_dir/target/package"
# 16 MB since the Event Hubs client (rskafka, SASL, the system's TLS roots) took the binary from
# 30.5 to 36.4 MB (docs/testing.md).
budget_bytes=$((16 * 1000 * 1000))

cd "$root_dir"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
ui/node_modules/.bin/tauri build --ci --bundles deb,rpm

rm -rf "$out"
mkdir -p "$out"
cp "$target_dir"/release/bundle/deb/graph-webhook-studio_"${version}"_*.deb "$out/"
cp "$target_dir"/release/bundle/rpm/graph-webhook-studio-"${version}"-*.rpm "$out/"

printf '\nPackages (budget %s bytes for the .deb):\n' "$budget_bytes"
status=0
for file in "$out"/*; do
  size=$(stat -c %s "$file")
  printf '  %-50s %9s bytes  %6.2f MB\n' "$(basename "$file")" "$size" "$(awk -v s="$size" 'BEGIN { print s / 1000000 }')"
  if [[ "$file" == *.deb ]] && [ "$size" -gt "$budget_bytes" ]; then
    printf 'error: %s is over the size budget\n' "$(basename "$file")" >&2
    status=1
  fi
done
binary="$target_dir/release/webhook-studio"
printf '  %-50s %9s bytes (installed binary, stripped)\n' "usr/bin/webhook-studio" "$(stat -c %s "$binary")"
exit "$status"
