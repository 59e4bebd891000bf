"""Mercury evaluator: tasks, sandboxed judging, timing and metrics (no Django)."""
