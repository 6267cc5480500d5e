# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: install run test lint format bench clean postgres

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
	  (apt-get update && apt-get install -y python3-venv && $(PYTHON) -m venv $(VENV))
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/balans balance examples/ortopedi --out $(OUT)/ortopedi
	@echo
	$(BIN)/balans plan examples/ortopedi --weeks 52 --out $(OUT)/ortopedi
	@echo
	@echo "The chain on the example clinic: a line per stage with its time"
	$(BIN)/balans run examples/ortopedi --out $(OUT)/ortopedi --time-limit 30
	@echo
	@echo "Tuesday 2 March into rooms, with the daily plan and roster the chain wrote"
	$(BIN)/balans rooms examples/ortopedi --date 2027-03-02 --schedule $(OUT)/ortopedi \
	  --out $(OUT)/ortopedi/rooms --time-limit 10
	@echo
	@echo "A nurse on shift on 3 and 4 March calls in sick on the 3rd: the published roster repaired"
	@nurse=$$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) day[$$i] = i; next } \
	  /^ssk-/ && $$day["2027-03-03"] != "" && $$day["2027-03-04"] != "" { print $$1; exit }' \
	  $(OUT)/ortopedi/roster.csv) && \
	echo "$(BIN)/balans repair examples/ortopedi --schedule $(OUT)/ortopedi \\" && \
	echo "  --absent $${nurse:-ssk-003}:2027-03-03:2027-03-04 --out $(OUT)/ortopedi/repair" && \
	$(BIN)/balans repair examples/ortopedi --schedule $(OUT)/ortopedi \
	  --absent $${nurse:-ssk-003}:2027-03-03:2027-03-04 --out $(OUT)/ortopedi/repair
	@echo
	@echo "Two weeks of actual production against the plan, and the rest re-planned"
	$(BIN)/balans followup examples/ortopedi --actual examples/actuals/ortopedi-2027-03.csv \
	  --schedule $(OUT)/ortopedi --out $(OUT)/ortopedi/followup

# The persistence tests run on SQLite and on PostgreSQL: .ci/postgres.sh installs the server
# (Debian's packages) if need be, starts a cluster on 127.0.0.1 and prints its URL.
test: install lint
	url="$${BALANS_TEST_POSTGRES_URL:-$$(bash .ci/postgres.sh)}" && \
	  BALANS_TEST_POSTGRES_URL="$$url" $(BIN)/pytest

postgres:
	@bash .ci/postgres.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m benchmarks.balance_scaling

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache .hypothesis
