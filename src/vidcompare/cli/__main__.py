"""``python -m vidcompare.cli``: the ``vidcompare`` command."""

from vidcompare.cli import app

app(prog_name="vidcompare")
