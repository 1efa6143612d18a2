"""`python -m rag` is the `rag` command."""

from .cli import command

command()
