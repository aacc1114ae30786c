# Jixiao: `make demo` and `make test` do everything on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
DB := data/out/jixiao.db

.PHONY: install demo test bench fonts clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# A real CJK font is needed only to render test scans (reportlab's CID font has no glyphs).
fonts:
	@if [ ! -f $(CJK_FONT) ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null) \
	      || echo "warning: could not install fonts-wqy-microhei; scan tests will be skipped" >&2; \
	  else echo "warning: fonts-wqy-microhei missing; scan tests will be skipped" >&2; fi; \
	fi

demo: install
	$(PY) -m pipeline ingest data/raw --db sqlite:///$(DB) || test $$? -eq 1
	$(PY) -m pipeline summary --db sqlite:///$(DB)
	$(PY) -m pipeline check --db sqlite:///$(DB) --quiet || true
	$(PY) -m pipeline export --db sqlite:///$(DB) --out data/out/csv --format csv
	$(PY) -m pipeline export --db sqlite:///$(DB) --out data/out --format xlsx
	@echo "database: $(DB)   CSV: data/out/csv/   Excel: data/out/jixiao.xlsx"

test: install fonts
	$(PY) -m pytest -q

bench: install fonts
	$(PY) -m pipeline.bench

clean:
	rm -rf $(VENV) data/out/*.db data/out/*.db-* data/out/csv data/out/*.xlsx
