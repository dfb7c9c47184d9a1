#!/usr/bin/env bash
# The whole test suite: Python 3.11 + PySide6 (Nuke 16), then Python 3.9 and 3.10 + PySide2
# (Nuke 14 / 15) where pyenv provides those interpreters. Says which ran and which it skipped.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export QT_QPA_PLATFORM=offscreen

status=0
ran=()
skipped=()

bash scripts/setup_venv.sh .venv main || exit 1
echo "=== Python $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])') with PySide6 (Nuke 16) ==="
if RTK_QT_BINDING=PySide6 .venv/bin/python -m pytest "$@"; then
  ran+=("3.11+PySide6: passed")
else
  status=1
  ran+=("3.11+PySide6: FAILED")
fi

for version in 3.9 3.10; do
  interpreter=""
  if command -v pyenv >/dev/null 2>&1; then
    prefix=$(pyenv prefix "$version" 2>/dev/null | head -n 1 || true)
    [ -n "$prefix" ] && [ -x "$prefix/bin/python" ] && interpreter="$prefix/bin/python"
  fi
  [ -z "$interpreter" ] && interpreter=$(command -v "python$version" || true)
  if [ -z "$interpreter" ] || ! "$interpreter" -c 'import sys' >/dev/null 2>&1; then
    skipped+=("$version: no interpreter")
    continue
  fi
  venv=".venv-py${version/./}"
  if ! bash scripts/setup_venv.sh "$venv" nuke-legacy "$interpreter"; then
    skipped+=("$version: dependencies would not install")
    continue
  fi
  echo "=== Python $version with PySide2 (Nuke $([ "$version" = 3.9 ] && echo 14 || echo 15)) ==="
  if RTK_QT_BINDING=PySide2 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"; then
    ran+=("$version+PySide2: passed")
  else
    status=1
    ran+=("$version+PySide2: FAILED")
  fi
done

echo "=== test matrix ==="
for line in "${ran[@]}"; do echo "ran:     $line"; done
for line in "${skipped[@]+"${skipped[@]}"}"; do echo "skipped: $line"; done
exit $status
