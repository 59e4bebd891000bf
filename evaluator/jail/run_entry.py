"""A run: the runner's entry, exec'd afresh for every run from the jail package's bytecode."""

import sys

sys.path.insert(0, "/opt/mercury-judge")

from jail.runner import run_main

run_main()
