# Two commands on a fresh clone:
#   make demo   install the toolkit and run `rtk demo` (builds ./rtk-demo and runs every stage)
#   make test   install the development extras and run the whole test suite
#               (Python 3.11 + PySide6, then 3.9 and 3.10 + PySide2 where pyenv has them)

.PHONY: demo test install lint clean

demo:
	bash scripts/setup_venv.sh .venv main
	.venv/bin/rtk demo

test:
	bash scripts/run_tests.sh

install:
	bash scripts/setup_venv.sh .venv main

lint:
	.venv/bin/ruff check restoration_toolkit tests benchmarks

clean:
	rm -rf .venv .venv-py39 .venv-py310 rtk-demo
