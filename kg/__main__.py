"""`python -m kg …` runs the CLI, as the installed `kg` command does."""

from kg.cli import main

main()
