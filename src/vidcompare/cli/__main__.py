"""``python -m vidcompare.cli``: the ``vidcompare`` command (infra/deploy.sh runs it so)."""

from vidcompare.cli import app

app()
