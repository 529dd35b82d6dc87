# Rollbook — two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := run
CARGO ?= cargo
PG := scripts/pg.sh

# With DATABASE_URL set, Rollbook uses that PostgreSQL and starts no cluster of its own.
define dev_database_url
$(if $(DATABASE_URL),$(DATABASE_URL),$(shell $(PG) start dev | sed 's#/postgres?#/rollbook?#'))
endef

.PHONY: run test bench setup deps db-start db-stop backup restore lint fmt clean-db

## Install missing system packages (PostgreSQL, libpq-dev, Chromium for browser tests).
deps:
	@scripts/deps.sh

## `make run`: private PostgreSQL, migrations, demo district, server on http://127.0.0.1:8080
run: deps
	@url="$(dev_database_url)"; \
	 [ -n "$(DATABASE_URL)" ] || scripts/ensure-db.sh "$$url"; \
	 $(CARGO) build --release --quiet && \
	 DATABASE_URL="$$url" ./target/release/rollbook migrate && \
	 DATABASE_URL="$$url" ./target/release/rollbook seed-demo && \
	 DATABASE_URL="$$url" exec ./target/release/rollbook serve

## `make test`: the same set-up, then every test (unit, integration, browser).
test: deps
	@admin="$${DATABASE_URL:-$$($(PG) start test)}"; \
	 echo "tests use PostgreSQL at $$admin"; \
	 $(CARGO) build --quiet --examples && \
	 ROLLBOOK_TEST_DATABASE_URL="$$admin" $(CARGO) test --lib --bins --tests -- --test-threads=$${TEST_THREADS:-8}

## `make bench`: a seeded district in a durable cluster of its own, load from a second process,
## results in BENCHMARKS.md.
bench: deps
	@admin="$$(DURABLE=1 $(PG) start bench)"; \
	 $(CARGO) build --release --quiet --bin rollbook --example bench && \
	 BENCH_ADMIN_URL="$$admin" ./target/release/examples/bench

db-start:
	@$(PG) start dev
db-stop:
	@$(PG) stop dev; $(PG) stop test; $(PG) stop bench

## Dump the private dev database to FILE (default backups/rollbook-<time>.dump).
backup:
	@url="$(dev_database_url)"; mkdir -p backups; \
	 file="$${FILE:-backups/rollbook-$$(date +%Y%m%d-%H%M%S).dump}"; \
	 pg_dump --format=custom --no-owner --file="$$file" "$$url" && echo "backup written to $$file"

## Restore FILE (made by `make backup`) into the private dev database, replacing its contents.
restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/….dump" >&2; exit 2; }
	@url="$(dev_database_url)"; [ -n "$(DATABASE_URL)" ] || scripts/ensure-db.sh "$$url"; \
	 pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$$url" "$(FILE)" \
	 && echo "restored $(FILE)"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all
