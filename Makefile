# elasticache-patterns. `make help` lists the targets. Every target installs what it needs when missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV := 1
export NODE_OPTIONS := --no-warnings=ExperimentalWarning
# Node 22, the Lambdas' runtime major, from the `node` package in devDependencies: every tool below
# (npx, tsx, mocha) finds it first, whatever Node the machine has (npm ci itself runs on that one).
SYSTEM_PATH := $(PATH)
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

APT_INSTALL = DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
# apt-get update once per machine, only when something is actually missing.
APT_UPDATE = { ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 || apt-get update -qq; }

.PHONY: help deps redis valkey sql chromium checkers webdis dev test test-unit test-deploy build synth plan apply destroy bench failover reconcile cost format clean

help: ## List every target
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package-lock.json
	@# npm ci replaces node_modules, Node 22 included: it runs on the machine's own Node.
	PATH="$(SYSTEM_PATH)" npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

redis: valkey ## valkey-server 9.1 (every suite and make dev), valkey-server 8 and redis-server 7.0 (the compatibility runs), redis-cli
	@command -v redis-server >/dev/null && command -v redis-cli >/dev/null || { $(APT_UPDATE); $(APT_INSTALL) redis-server redis-tools; }
	@# The Debian packages may start system instances; the project starts its own on other ports.

valkey:
	@[ -x /usr/bin/valkey-server ] || bash tools/install-valkey.sh
	@bash tools/build-valkey.sh

sql: ## PostgreSQL and MariaDB from Debian's packages: the change feed's SQL destinations, started by make dev and the tests on loopback
	@command -v mariadbd >/dev/null && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { $(APT_UPDATE); $(APT_INSTALL) postgresql mariadb-server; }

chromium:
	@command -v chromium >/dev/null || { $(APT_UPDATE); $(APT_INSTALL) chromium; }

checkers: ## shellcheck, systemd-analyze and openssl: the tests check generated scripts and units and make TLS certificates
	@command -v shellcheck >/dev/null && command -v systemd-analyze >/dev/null && command -v openssl >/dev/null || { $(APT_UPDATE); $(APT_INSTALL) shellcheck systemd openssl; }

webdis:
	@command -v webdis >/dev/null && command -v wrk >/dev/null || { $(APT_UPDATE); $(APT_INSTALL) webdis wrk; }

# Whether make dev runs: its pid file names a live process (DEV_STATE_DIR moves the file with the rest of the state).
DEV_RUNNING = pid=$$(cat "$${DEV_STATE_DIR:-.dev}/dev.pid" 2>/dev/null) && [ -n "$$pid" ] && kill -0 "$$pid" 2>/dev/null

dev: ## Run every data path locally (foreground; Ctrl-C stops it) and write .dev/endpoints.json
	@# A running stack is said before anything is rebuilt; the program checks again (two starts at once).
	@if $(DEV_RUNNING); then echo "make dev is already running (pid $$pid); stop it with Ctrl-C in its terminal first." >&2; exit 1; fi
	@$(MAKE) --no-print-directory deps redis sql build
	@# node itself, not the tsx CLI: tsx relays a terminal's SIGINT to its child, which then hears Ctrl-C twice.
	node --import tsx local/dev/main.ts

test-unit: deps ## The unit lane: test/unit/ mirrors the source tree, starts no service, runs in seconds
	npx mocha --config test/unit.mocharc.json

test: deps redis sql chromium checkers build ## The unit lane, then type-check, lint and every mocha suite on real local services
	npx mocha --config test/unit.mocharc.json
	npx tsc --noEmit
	npx eslint --max-warnings 0 .
	npx prettier --check --log-level warn .
	@# The real-Terraform suite plans offline with the AWS provider this machine mirrors (infra-facts: found by looking).
	TF_PROVIDER_MIRROR="$$(bash tools/provider-mirror.sh)" npx mocha
	@# The compatibility runs: the engines ElastiCache still offers (Valkey 8) and Redis 7.0's protocol and table.
	@for server in /usr/bin/valkey-server redis-server; do \
	  echo "Compatibility run on $$($$server --version | cut -d' ' -f1-3): protocol, command table, classifier, listener notifications"; \
	  REDIS_SERVER=$$server npx mocha --config test/compatibility.mocharc.json || exit 1; \
	done

test-deploy: deps checkers build ## The deploy lane: apply, destroy, apply again and destroy again on the AWS API emulator (moto 5), about 7 minutes
	@# moto_server and the provider mirror are found by looking (tools/moto-server.sh, tools/provider-mirror.sh); in CI a missing one fails the lane.
	TF_PROVIDER_MIRROR="$$(bash tools/provider-mirror.sh)" MOTO_SERVER="$$(bash tools/moto-server.sh)" npx mocha --config test/deploy.mocharc.json

build: deps ## Bundle every Lambda and the listener with esbuild into dist/
	npx tsx tools/build.ts

synth: deps build ## Synthesize Terraform JSON into cdktf.out/ and run the policy suite over it
	npx cdktf synth
	npx tsx infra/policy/check.ts

plan: synth ## terraform init + plan for each stack (and its monthly cost)
	@npx tsx infra/cost.ts --line
	npx tsx infra/terraform.ts plan

cost: synth ## Each stack's monthly bill (infra/cost/prices.ts), idle and at a stated load; ECP_* settings apply as to plan
	@npx tsx infra/cost.ts

apply: synth ## terraform init + apply for each stack
	npx tsx infra/terraform.ts apply

destroy: synth ## terraform init + destroy for each stack
	npx tsx infra/terraform.ts destroy

bench: deps redis webdis build ## Run the benchmarks in bench/ and print their tables
	npx tsx bench/run.ts

failover: deps ## Fail the local primary over to a replica (as TestFailover does) and let the keeper follow
	@$(DEV_RUNNING) || { echo "make dev is not running: start it in another terminal first."; exit 1; }
	npx tsx local/dev/failover.ts

reconcile: ## Compare a change-feed mapping's keys with its table while make dev runs (MAPPING=people; REPAIR=1 repairs)
	@$(DEV_RUNNING) || { echo "make dev is not running: start it in another terminal first."; exit 1; }
	@# make dev built dist/ when it started; the report is JSON on stdout (progress goes to a terminal's stderr).
	@node dist/listener/reconcile.mjs "$${DEV_STATE_DIR:-.dev}/listener.json" "$(or $(MAPPING),people)" $(if $(REPAIR),--repair)

format: deps ## Format the code with Prettier (make test checks it)
	npx prettier --write --log-level warn .

clean: ## Remove build output (dist/, cdktf.out/); keeps .dev/ data and .state/ (local Terraform state)
	rm -rf dist cdktf.out test-output bench/out
