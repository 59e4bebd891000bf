"""Management commands: load_tasks, calibrate, ensure_admin."""
