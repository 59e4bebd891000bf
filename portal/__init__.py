"""Mercury Leaderboard portal: the Django project and app around the `evaluator` engine."""
