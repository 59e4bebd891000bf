"""The code that runs inside the jail: the harness (init), the run processes, timing and counting.

Standard library only, and no imports from outside this package: the jail's interpreter imports
it from bytecode under /opt/mercury-judge/jail. Outside the jail the task builder uses `leetcode` for the
LeetCode environment and conversions, and the judge `protocol` for output digests.
"""
