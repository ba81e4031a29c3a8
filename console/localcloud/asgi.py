"""ASGI app of localcloud on its own (`manage.py localcloud serve`): only /api is routed."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
os.environ["CONSOLE_URLCONF"] = "console.localcloud.urls"

from django.core.asgi import get_asgi_application

application = get_asgi_application()
