"""A counted run under valgrind: the runner's entry, from the jail package's bytecode."""

import sys

sys.path.insert(0, "/opt/mercury-judge")

from jail.runner import run_main

run_main(counted=True)
