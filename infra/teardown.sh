#!/usr/bin/env bash
# Remove what infra/deploy.sh created: infra/teardown.sh --project P --region R [--dry-run] [--delete-data]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || { make -s .venv/bin/.installed && PYTHON=.venv/bin/python; }
exec "$PYTHON" -m vidcompare.cli teardown "$@"
