#!/usr/bin/env bash
# Deploy vidcompare with gcloud: infra/deploy.sh --project P --region R [--dry-run]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
[ -x "$PYTHON" ] || { make -s .venv/bin/.installed && PYTHON=.venv/bin/python; }
exec "$PYTHON" -m vidcompare.cli deploy "$@"
