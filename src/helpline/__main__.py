"""`python -m helpline` runs the command line."""

from helpline.cli import main

main()
