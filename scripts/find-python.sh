#!/usr/bin/env bash
# Print a Python 3.13 interpreter: the project needs 3.13 (audioop-lts; the Bedrock SDK needs >= 3.12),
# which on the team's machines comes from pyenv and is not the default python3.
set -euo pipefail
for candidate in "${PYTHON:-}" python3.13 "$HOME/.pyenv/versions/3.13.0/bin/python3.13" \
                 /root/.pyenv/versions/3.13.0/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1 && PYENV_VERSION=3.13.0 pyenv which python3.13 >/dev/null 2>&1; then
  PYENV_VERSION=3.13.0 pyenv which python3.13
  exit 0
fi
echo "Python 3.13 not found: install it (e.g. 'pyenv install 3.13.0') or set PYTHON=/path/to/python3.13" >&2
exit 1
