# capm3 — the two commands a fresh machine needs are `make test` and
# `cargo run --release -- sandbox` (see README.md).

CARGO ?= cargo

.PHONY: build test lint crds manifests release-manifests bench real-ironic-up real-ironic-down

# The real OpenStack Ironic and a Redfish emulator on loopback (docs/real-ironic.md).
REAL_IRONIC = scripts/real-ironic.sh

build:
	$(CARGO) build --release

# The tests run against the real Ironic: install it (once; kept in target/real-ironic),
# build the tests, start it, hand its endpoints to the tests, and stop it whatever the
# tests did. The exit status is the tests' (or start's, when Ironic does not come up).
test:
	$(REAL_IRONIC) install
	$(CARGO) test --no-run --lib --bins --tests
	set -e; trap '$(REAL_IRONIC) stop' EXIT; trap 'exit 130' INT TERM; \
	$(REAL_IRONIC) start; \
	endpoints=$$($(REAL_IRONIC) env); export $$endpoints; \
	$(CARGO) test --lib --bins --tests --no-fail-fast

# The same Ironic left running for working by hand; `make real-ironic-down` stops it.
real-ironic-up:
	$(REAL_IRONIC) install
	$(REAL_IRONIC) start
	@echo "for the tests: export \$$($(REAL_IRONIC) env)"

real-ironic-down:
	$(REAL_IRONIC) stop

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

# Regenerate the checked-in CRDs from the Rust API types.
crds:
	rm -rf crds
	$(CARGO) run --quiet -- crds --output crds

# Regenerate config/webhook/manifests.yaml from the served webhooks (a test fails when stale).
manifests:
	$(CARGO) run --quiet -- manifests --output config

# clusterctl's release assets (not committed, as upstream): out/infrastructure-components.yaml
# and out/metadata.yaml.
release-manifests: manifests
	mkdir -p out
	kubectl kustomize config/default > out/infrastructure-components.yaml
	cp metadata.yaml out/

# Measurements (numbers, not pass/fail); the sandbox benchmark's reports go to target/bench/.
bench:
	$(CARGO) bench --bench apiserver
	$(CARGO) bench --bench ironic
	$(CARGO) bench --bench manager
	$(CARGO) bench --bench bmo
	mkdir -p target/bench
	$(CARGO) run --release -- sandbox --bench 100 --report target/bench/sandbox-100.json --log target/bench/sandbox-100.log
	$(CARGO) run --release -- sandbox --bench 1000 --report target/bench/sandbox-1000.json --log target/bench/sandbox-1000.log
