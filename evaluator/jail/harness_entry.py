"""The jail's init: the harness, from the jail package's bytecode under /opt/mercury-judge (run as a script)."""

import sys

sys.path.insert(0, "/opt/mercury-judge")

from jail.harness import main

main()
