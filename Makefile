# Graph Webhook Studio. `make run` opens the app; `make test` runs every check CI runs.
# Both set the machine up first (scripts/setup.sh): apt packages if missing, npm packages.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# A persistent target directory outside the clone works as a cache (CI sets one).
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
APP_BIN := $(CARGO_TARGET_DIR)/debug/webhook-studio
export WEBHOOK_STUDIO_BIN := $(APP_BIN)
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
E2E_DIR := $(CURDIR)/target/e2e

.PHONY: soak fuzz fuzz-smoke help run app ui setup setup-test test fmt-check clippy cargo-test bindings bindings-check \
	ui-check keyring-test mcp-test oidc-test fidelity-test eventhub-test e2e bench clean package package-test lint-workflows

help:
	@echo "make run     set up, build and open the app (ARGS='--data-dir /tmp/x' to pass flags)"
	@echo "make test    set up, then every check: fmt, clippy, cargo test, bindings, tsc, eslint, vitest, E2E"
	@echo "make e2e     only the real-window E2E suite (screenshots in target/e2e/)"
	@echo "make mcp-test  the MCP server driven by the official MCP Inspector"
	@echo "make oidc-test  sign-in against node-oidc-provider set up like Microsoft identity"
	@echo "make fidelity-test  the sandbox judged by a webhook handler written from Microsoft's docs"
	@echo "make eventhub-test  Event Hubs delivery through tansu, a real Kafka-protocol broker"
	@echo "make bench   benchmarks, printed as figures and ratios"
	@echo "make fuzz    each fuzz target for FUZZ_SECONDS (default 60)"
	@echo "make bindings  regenerate ui/src/ipc/bindings.ts after changing the command surface"
	@echo "make package  the .deb and .rpm in target/package/, with their sizes"
	@echo "make package-test  install the .deb, use it, uninstall it (needs root or sudo)"

setup:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

ui: setup
	npm --prefix ui run --silent build

app: ui
	cargo build -p webhook-studio

run: app
	$(APP_BIN) $(ARGS)

test: setup-test ui fmt-check clippy cargo-test keyring-test mcp-test oidc-test fidelity-test eventhub-test bindings-check ui-check lint-workflows fuzz-smoke e2e package-test
	@echo "make test: every check passed"

fmt-check:
	cargo fmt --all -- --check

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

cargo-test:
	cargo test --workspace

bindings:
	cargo xtask bindings

bindings-check:
	cargo xtask bindings --check

ui-check:
	cd ui && npx tsc --noEmit
	cd ui && npx eslint --max-warnings 0 .
	cd ui && npx vitest run

# The OS keyring for real: inside a throwaway D-Bus session with an unlocked gnome-keyring, then
# with no session bus at all (an empty runtime dir, no display) to see "unavailable" reported.
# `--workspace` (not `-p`) keeps cargo's feature resolution the same as `cargo test --workspace`,
# so nothing is compiled a second time with other features (it was 230 crates on a clean cache).
keyring-test: setup-test
	cargo test --workspace --test keyring --no-run
	dbus-run-session -- tests/e2e/session.sh \
		cargo test --workspace --test keyring -- --ignored secrets_ signing_out
	env -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY -u WAYLAND_DISPLAY XDG_RUNTIME_DIR=$$(mktemp -d) \
		cargo test --workspace --test keyring -- --ignored without_a_session_bus

# Every sign-in flow against node-oidc-provider (npm, installed by setup-test) configured with
# Microsoft's URL shapes (tests/oidc-provider/); the same tests against the sandbox run in cargo-test.
# Two `webhook-studio account check` processes share one account through the OS keyring, so that
# test runs in a throwaway D-Bus session with gnome-keyring (tests/e2e/session.sh).
oidc-test: setup-test
	cargo build -p webhook-studio
	cargo test --workspace --test sign_in --no-run
	dbus-run-session -- tests/e2e/session.sh cargo test --workspace --test sign_in -- --ignored

# What the sandbox sends, judged by tests/graph-handler (written from Microsoft's docs, validating
# tokens with jsonwebtoken and jwks-rsa, npm, installed by setup-test), not by the sandbox's code;
# the same handler judges the conformance suite (both test targets are named doc_handler).
fidelity-test: setup-test
	cd tests/graph-handler && node selftest.mjs
	cargo test --workspace --test doc_handler -- --ignored

# Event Hubs delivery on a real Kafka-protocol broker: tansu 0.6 (crates.io) with SASL PLAIN,
# behind stunnel for TLS, started by each test on a free port. `tools/tansu-plain` is tansu's own
# command line built with in-memory storage (`dynostore`) and rsasl's PLAIN and OAUTHBEARER
# mechanisms (tansu refuses every OAUTHBEARER token: it cannot check them); installed
# once under the target directory (a cache CI keeps; its build folder is removed afterwards).
# Change the path's last number when tools/tansu-plain changes. The connection string lives in the
# keyring, shared by several processes, so the tests run in a throwaway D-Bus session.
TANSU_ROOT := $(CARGO_TARGET_DIR)/tools/tansu-0.6.0-plain-2
TANSU := $(TANSU_ROOT)/bin/tansu
$(TANSU):
	CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)/tools/tansu-plain-build \
		cargo install --path tools/tansu-plain --locked --root $(TANSU_ROOT)
	rm -rf $(CARGO_TARGET_DIR)/tools/tansu-plain-build

eventhub-test: setup-test $(TANSU)
	cargo build -p webhook-studio
	cargo test --workspace --test event_hubs --test event_hub_connections --no-run
	TANSU_BIN=$(TANSU) dbus-run-session -- tests/e2e/session.sh \
		cargo test --workspace --test event_hubs --test event_hub_connections -- --ignored --test-threads=1

# `webhook-studio mcp` driven by the official MCP Inspector's CLI (npm, installed by setup-test).
mcp-test: setup-test ui
	cargo test --workspace --test mcp -- --ignored

e2e: setup-test ui $(TANSU)
	cargo build --workspace --bins --tests
	rm -rf $(E2E_DIR)
	TANSU_BIN=$(TANSU) $(XVFB) dbus-run-session -- tests/e2e/session.sh \
		cargo test --workspace --test e2e -- --ignored --test-threads=1
	@echo "screenshots: $(E2E_DIR)"

bench: setup-test ui $(TANSU)
	cargo build --release -p webhook-studio -p xtask
	cargo build --workspace --tests
	# The window's figures (release build): arrival-to-row, and the Inspector over 100,000.
	$(XVFB) dbus-run-session -- tests/e2e/session.sh env WEBHOOK_STUDIO_BIN=$(CARGO_TARGET_DIR)/release/webhook-studio \
		cargo test --workspace --test e2e -- --ignored --test-threads=1 --nocapture arrival scale
	$(CARGO_TARGET_DIR)/release/xtask bench-ingest
	$(CARGO_TARGET_DIR)/release/xtask bench-dispatch
	TANSU_BIN=$(TANSU) WEBHOOK_STUDIO_BIN=$(CARGO_TARGET_DIR)/release/webhook-studio \
		dbus-run-session -- tests/e2e/session.sh $(CARGO_TARGET_DIR)/release/xtask bench-hub
	cargo run --release -p studio-emulator --example delivery-bench
	cargo run --release -p studio-receiver --example receiver-bench
	cargo run --release -p studio-receiver --example rich-bench
	SOAK_SECONDS=60 cargo run --release -p studio-receiver --example soak

# The 10-minute memory soak of the receiver (resident memory printed every 30 s).
soak: setup
	SOAK_SECONDS=600 cargo run --release -p studio-receiver --example soak

# Coverage-guided fuzzing of what arrives from outside: the notification parser, the decryptor,
# the validation-token checker and the HTTP framing. libFuzzer's instrumentation needs unstable
# flags; RUSTC_BOOTSTRAP=1 lets this machine's stable toolchain accept them. cargo-fuzz is
# installed once under the target directory (a cache CI keeps; a debug build of it compiles in
# half the time and runs as well). `make test` runs each target for
# FUZZ_SMOKE_SECONDS on an unsanitized dev build; `make fuzz` runs each for FUZZ_SECONDS with
# AddressSanitizer.
FUZZ_TARGETS := notification_parser decryptor token_checker http_framing
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
CARGO_FUZZ := $(CARGO_TARGET_DIR)/tools/bin/cargo-fuzz
FUZZ := cd fuzz && PATH=$(CARGO_TARGET_DIR)/tools/bin:$$PATH RUSTC_BOOTSTRAP=1

$(CARGO_FUZZ):
	cargo install cargo-fuzz --version 0.13.2 --locked --debug --root $(CARGO_TARGET_DIR)/tools

fuzz: $(CARGO_FUZZ)
	$(FUZZ) bash -c 'for t in $(FUZZ_TARGETS); do \
		cargo fuzz run $$t --target-dir $(CARGO_TARGET_DIR)/fuzz -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done'

fuzz-smoke: $(CARGO_FUZZ)
	$(FUZZ) cargo fuzz build --dev --sanitizer none --target-dir $(CARGO_TARGET_DIR)/fuzz-smoke
	$(FUZZ) bash -c 'for t in $(FUZZ_TARGETS); do \
		cargo fuzz run $$t --dev --sanitizer none --target-dir $(CARGO_TARGET_DIR)/fuzz-smoke \
			-- -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 || exit 1; done'

# Installable packages: .deb and .rpm with the pinned Tauri CLI (scripts/package.sh), then the
# test a user's install amounts to (scripts/package-test.sh). The release workflow builds the
# other platforms' packages (docs/releasing.md); its syntax is checked here.
package: ui
	scripts/package.sh

package-test: setup-test package
	scripts/package-test.sh

lint-workflows:
	scripts/lint-workflows.sh

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules
