#!/usr/bin/env python
"""Django's manage.py; `liaison` (the console script) does the same and more."""

import sys

from liaison.cli import main

if __name__ == "__main__":
    sys.exit(main(["manage", *sys.argv[1:]]))
