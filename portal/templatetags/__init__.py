"""Template filters of the portal (formatting only, no queries)."""
