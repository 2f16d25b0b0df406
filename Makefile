# corpuskit: `make dataset` runs the pipeline on seeds/ into build/; `make test` runs the tests.
# Both create .venv on first use, reinstall when pyproject.toml changes, and build the
# compiled core (native/, Rust via maturin) when its sources change and cargo is there;
# without cargo corpuskit runs on its pure-Python path (the same output, slower).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEEDS  := $(sort $(wildcard seeds/*.txt))
SPLIT  ?= train=0.98,validation=0.02

NATIVE := $(wildcard native/src/*.rs) native/Cargo.toml native/Cargo.lock native/pyproject.toml

.PHONY: dataset test fuzz lint bench clean native wheel web docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,ray]'
	touch $@ $(VENV)/.installed

# The compiled core: one Rust crate, built by maturin into the corpuskit_native module.
$(VENV)/.native: $(NATIVE) | $(BIN)/python
	@if command -v cargo >/dev/null 2>&1; then \
		echo "building the compiled core (native/, Rust; the first build fetches crates and takes a minute or two)"; \
		$(BIN)/pip install --quiet --disable-pip-version-check ./native && touch $@; \
	else \
		echo "make: no Rust toolchain (cargo): corpuskit runs on its pure-Python path (the same output, slower)"; \
	fi

native: $(VENV)/.native

# A wheel of the compiled core for another machine of the same platform: native/target/wheels/.
wheel: | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check 'maturin>=1.5,<2'
	cd native && ../$(BIN)/maturin build --release

# The pipeline, one file per stage, so that make re-runs only what changed.
build/normalized.jsonl: $(SEEDS) $(VENV)/.installed | native
	@mkdir -p build
	$(BIN)/corpuskit normalize seeds/ -o $@ --stats build/normalized.stats.json
	@echo "normalized $$(wc -l < $@) documents into $@ (counts: build/normalized.stats.json)"

build/stripped.jsonl: build/normalized.jsonl $(wildcard rules/*.yaml) $(VENV)/.installed
	$(BIN)/corpuskit strip build/normalized.jsonl -o $@ --removed build/removed.jsonl --stats build/stripped.stats.json
	@echo "stripped $$(wc -l < build/removed.jsonl) lines/spans (audit: build/removed.jsonl) into $@"

build/articles.jsonl: build/stripped.jsonl $(VENV)/.installed
	$(BIN)/corpuskit split build/stripped.jsonl -o $@ --report build/split.report.jsonl --stats build/articles.stats.json
	@echo "split into $$(wc -l < $@) articles (per page: build/split.report.jsonl)"

build/filtered.jsonl: build/articles.jsonl $(wildcard filters/*.yaml) $(VENV)/.installed
	$(BIN)/corpuskit filter build/articles.jsonl -o $@ --rejected build/rejected.jsonl --stats build/filtered.stats.json
	@echo "kept $$(wc -l < $@) articles, rejected $$(wc -l < build/rejected.jsonl) (with the filter and its threshold: build/rejected.jsonl)"

# Exact and near copies dropped (the original outlet's copy kept), repeated lines reported.
build/deduped.jsonl: build/filtered.jsonl $(VENV)/.installed
	$(BIN)/corpuskit dedup build/filtered.jsonl -o $@ --duplicates build/duplicates.jsonl --lines report \
		--repeated build/repeated.jsonl --stats build/deduped.stats.json
	@echo "kept $$(wc -l < $@) articles, dropped $$(wc -l < build/duplicates.jsonl) copies (which, and the copy kept: build/duplicates.jsonl)"

# The dataset: Parquet shards + card; the card takes its provenance from the stats files.
build/dataset/README.md: build/deduped.jsonl build/filtered.jsonl build/articles.jsonl build/normalized.jsonl build/stripped.jsonl $(VENV)/.installed
	$(BIN)/corpuskit export build/dataset build/deduped.jsonl --no-dedup --overwrite --split $(SPLIT) \
		--stats-from build/normalized.stats.json --stats-from build/stripped.stats.json --stats-from build/articles.stats.json \
		--stats-from build/filtered.stats.json --stats-from build/deduped.stats.json \
		--stats build/export.stats.json
	@echo "dataset in build/dataset/ (card: build/dataset/README.md); load it with datasets.load_dataset(\"build/dataset\")"

# One HTML page of what the run did (funnel, rules, sites, split, filter, lengths, pages).
build/report.html: build/dataset/README.md $(VENV)/.installed
	$(BIN)/corpuskit report -o $@ --stats build/normalized.stats.json --stats build/stripped.stats.json \
		--stats build/articles.stats.json --stats build/filtered.stats.json --stats build/deduped.stats.json \
		--stats build/export.stats.json --duplicates build/duplicates.jsonl \
		--removed build/removed.jsonl --split-report build/split.report.jsonl --rejected build/rejected.jsonl \
		--dataset build/dataset --pages build/normalized.jsonl
	@echo "report: $@ (open it in a browser)"

dataset: build/dataset/README.md build/report.html

# Web pages: `make web PAGES="crawl.warc.gz saved-pages/"` extracts the articles of HTML files,
# folders and WARC/ARC archives, cleans and filters them, and writes build/web/report.html.
PAGES ?=
web: $(VENV)/.installed | native
	@test -n "$(PAGES)" || { echo 'make web PAGES="crawl.warc.gz pages/": HTML files, folders or WARC/ARC archives'; exit 2; }
	@mkdir -p build/web
	$(BIN)/corpuskit extract $(PAGES) -o build/web/extracted.jsonl --failed build/web/failed.jsonl --stats build/web/extracted.stats.json
	$(BIN)/corpuskit clean build/web/extracted.jsonl -o build/web/articles.jsonl --removed build/web/removed.jsonl \
		--report build/web/split.report.jsonl --stats build/web/articles.stats.json
	$(BIN)/corpuskit filter build/web/articles.jsonl -o build/web/filtered.jsonl --rejected build/web/rejected.jsonl \
		--stats build/web/filtered.stats.json
	$(BIN)/corpuskit report -o build/web/report.html --stats build/web/extracted.stats.json --stats build/web/articles.stats.json \
		--stats build/web/filtered.stats.json --removed build/web/removed.jsonl --split-report build/web/split.report.jsonl \
		--rejected build/web/rejected.jsonl --pages build/web/extracted.jsonl
	@echo "articles: build/web/filtered.jsonl (pages without one: build/web/failed.jsonl); report: build/web/report.html"

# The reference site (docs/, mkdocs) into build/site/; warnings (broken links) are errors.
docs: $(VENV)/.installed-test
	$(BIN)/python -m mkdocs build --strict

# The package is compiled to bytecode first: many tests start corpuskit as a process, and
# where PYTHONDONTWRITEBYTECODE is set each start would compile it again.
test: $(VENV)/.installed-test native
	$(BIN)/python -m compileall -q corpuskit
	$(BIN)/python -m pytest -q -n auto

# A long property-based campaign over every command with hostile inputs (tests/test_fuzz.py).
fuzz: $(VENV)/.installed-test native
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py -p no:cacheprovider

bench: $(VENV)/.installed native
	$(BIN)/python benchmarks/bench_normalize.py
	$(BIN)/python benchmarks/bench_strip.py
	$(BIN)/python benchmarks/bench_clean.py
	$(BIN)/python benchmarks/bench_export.py
	$(BIN)/python benchmarks/bench_dedup.py --docs 200000
	$(BIN)/python benchmarks/bench_hostile.py
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[bench]"
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_filter.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/compare_datatrove.py
	$(BIN)/python benchmarks/eval_langid.py

clean:
	rm -rf build benchmarks/data .corpuskit-work
