#!/usr/bin/env bash
# setup_venv.sh VENV PROFILE [PYTHON]
#   PROFILE main: the toolkit + torch (CPU) + dev extras, on Python 3.11 (Nuke 16's Python)
#   PROFILE nuke-legacy: the toolkit + dev extras with PySide2, for Python 3.9 / 3.10 (Nuke 14 / 15)
# Re-running is cheap: a stamp file records what was installed.
set -euo pipefail
venv=$1
profile=$2
python=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ -z "$python" ]; then
  python=$(command -v python3.11 || command -v python3)
fi
stamp="$venv/.rtk-installed-$profile"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ]; then
  exit 0
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
case "$profile" in
  main)
    # The CPU build of torch first: an unpinned `torch` would pull a CUDA build (gigabytes).
    "$venv/bin/python" -m pip install -q "torch==2.13.0" || echo "setup_venv: torch 2.13.0 CPU not available; training tests will be skipped" >&2
    "$venv/bin/python" -m pip install -q -e ".[dev]"
    ;;
  nuke-legacy)
    "$venv/bin/python" -m pip install -q -c scripts/constraints-nuke-legacy.txt -e ".[dev]"
    ;;
  *)
    echo "setup_venv: unknown profile $profile" >&2
    exit 2
    ;;
esac
touch "$stamp"
