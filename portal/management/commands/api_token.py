"""`manage.py api_token USERNAME`: issue (or replace) a user's JSON API token and print it."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.services import api_token_issue


class Command(BaseCommand):
    help = "Issue a new API token for a user (any previous token stops working) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None
        self.stdout.write(api_token_issue(user=user).key)
