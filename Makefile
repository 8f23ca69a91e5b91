# capm3 — the two commands a fresh machine needs are `make test` and
# `cargo run --release -- sandbox` (see README.md).

CARGO ?= cargo

.PHONY: build test lint crds bench

build:
	$(CARGO) build --release

test:
	$(CARGO) test --lib --bins --tests --no-fail-fast

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

# Regenerate the checked-in CRDs from the Rust API types.
crds:
	rm -rf crds
	$(CARGO) run --quiet -- crds --output crds

# Measurements (numbers, not pass/fail): the embedded API server for now.
bench:
	$(CARGO) bench --bench apiserver
	$(CARGO) bench --bench ironic
