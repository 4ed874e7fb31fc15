"""``python -m vidcompare.cli``: the same CLI as the ``vidcompare`` command."""

from vidcompare.cli import app

app()
