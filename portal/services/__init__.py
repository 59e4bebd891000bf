"""Writes of the portal, one module per domain; import the module you need.

- `tasks`: load the built-in tasks, import Mercury's dataset, rebuild a task for the judge
- `calibration`: measure reference runtimes on this host (inline or as jobs)
- `submissions`: validate and store an upload (quotas, duplicates)
- `evaluation`: enqueue chunk jobs, judge samples through `portal.judging`, requeue, recover
- `scoring`: aggregate by the one rule (`evaluator.metrics.score_samples`), rescore
- `moderation`: approve, hide, reject, flags, trust, rejudge batches, the audit log
- `accounts`: API tokens, profiles, sign-up
- `notifications`: e-mail the owner when an evaluation ends

Imports read one way (`tests/portal/test_architecture.py` checks it): jobs → services →
(queue, judging, selectors) → models, and everything → evaluator.
"""
