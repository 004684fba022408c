#!/bin/sh
# Install what the test suite needs, then run all of it: lint, types, tests.
# Works on a fresh Debian machine with Python >= 3.11 (run as root or with sudo available).
set -eu
cd "$(dirname "$0")/.."

# PostgreSQL server binaries: the store tests start their own server on 127.0.0.1.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check lambdalite tests
.venv/bin/mypy lambdalite
exec .venv/bin/pytest -n 2 "$@"
