"""`manage.py demo_users`: one user per role for the demo tenant, and one of another tenant."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from console.accounts.demo_logins import demo_password
from console.accounts.models import Role, User
from console.localcloud.seed import DEMO_TENANT, OTHER_TENANT

DEMO_USERS = [
    ("admin", Role.ADMIN, DEMO_TENANT),
    ("operator", Role.OPERATOR, DEMO_TENANT),
    ("viewer", Role.VIEWER, DEMO_TENANT),
    ("globex", Role.OPERATOR, OTHER_TENANT),
    ("platform", Role.ADMIN, DEMO_TENANT),  # a platform admin: may act for any tenant
]


class Command(BaseCommand):
    help = "Create (or reset) the demo users and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url",
            help="where the console is served (default: LOCALCLOUD_PUBLIC_URL, which the "
            "embedded cloud shares with the console)",
        )

    def handle(self, *args, url=None, **options):
        for username, role, company_id in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.role = role
            user.company_id = company_id
            user.is_platform_admin = username == "platform"
            user.set_password(demo_password(username))
            user.save()
        url = (url or settings.LOCALCLOUD_PUBLIC_URL).rstrip("/") + "/"
        self.stdout.write(f"Log in at {url} with one of:")
        for username, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<9} password {demo_password(username):<20} ({role})")
