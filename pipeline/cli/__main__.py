"""`python -m pipeline.cli`: the `facepipe` command."""

from pipeline.cli import run

run()
