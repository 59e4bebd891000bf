"""`manage.py ensure_admin`: create the superuser from MERCURY_ADMIN_USER/_PASSWORD if both set."""

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create (or reset the password of) a superuser from MERCURY_ADMIN_USER and "
        "MERCURY_ADMIN_PASSWORD; without them, print how to create one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("MERCURY_ADMIN_USER", "").strip()
        password = os.environ.get("MERCURY_ADMIN_PASSWORD", "")
        if not (username and password):
            self.stdout.write(
                "MERCURY_ADMIN_USER and MERCURY_ADMIN_PASSWORD are not both set; no admin created.\n"
                "Create one with:  python manage.py createsuperuser\n"
                "or:  MERCURY_ADMIN_USER=admin MERCURY_ADMIN_PASSWORD=... "
                "python manage.py ensure_admin"
            )
            return
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"superuser {username!r} {verb}"))
