"""Database migrations of the portal app."""
