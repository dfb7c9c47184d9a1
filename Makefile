# Two commands on a fresh clone:
#   make demo   install the toolkit and run `rtk demo` (builds ./rtk-demo and runs every stage)
#   make test   install the development extras and run the whole test suite
#               (Python 3.11 + PySide6, then 3.9 and 3.10 + PySide2 where pyenv has them)
# Not a set-up command:
#   make bench  regenerate every table in docs/benchmarks/ (JSON + Markdown) and log each run
#               in notes/experiments.md — long: each script states its own run time in its
#               table; on 2 shared cores the whole set takes a few hours

# One line per benchmark script; each writes docs/benchmarks/<name>.json and .md. Two tables
# need arguments: sync-scale (the feature-length rows) and robustness (the code before the
# issue-18 fixes, for its "failed before" column).
BENCHMARKS = alignment color sync damage trainer farm demo
SYNC_SCALE = --frames 0 --ablation 0 --seeds 11 --scale 24000 150000 --name sync-scale
ROBUSTNESS_BEFORE = 1d7f09f

.PHONY: demo test install lint clean bench

demo:
	bash scripts/setup_venv.sh .venv main
	.venv/bin/rtk demo

test:
	bash scripts/run_tests.sh

install:
	bash scripts/setup_venv.sh .venv main

bench: install
	@set -e; for b in $(BENCHMARKS); do \
	  if [ -f benchmarks/$$b.py ]; then \
	    echo "== benchmarks/$$b.py"; \
	    start=$$(date +%s); .venv/bin/python benchmarks/$$b.py; \
	    echo "== benchmarks/$$b.py took $$(( $$(date +%s) - start )) s"; \
	  else echo "== benchmarks/$$b.py: not in this checkout, skipped"; fi; \
	done
	.venv/bin/python benchmarks/sync.py $(SYNC_SCALE)
	.venv/bin/python benchmarks/robustness.py --before $(ROBUSTNESS_BEFORE)

lint:
	.venv/bin/ruff check restoration_toolkit tests benchmarks

clean:
	rm -rf .venv .venv-py39 .venv-py310 rtk-demo
