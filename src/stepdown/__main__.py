"""`python -m stepdown` runs the CLI."""

from stepdown.cli import main

main()
