"""A counted run under valgrind: the runner's count entry, from the jail package under /opt/mercury-judge."""

import sys

sys.path.insert(0, "/opt/mercury-judge")

from jail.runner import count_main

count_main()
