"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
# Django runs each request's synchronous part in a thread of its own under ASGI, and a persistent
# database connection belongs to its thread: kept, they piled up past PostgreSQL's max_connections
# under `make loadtest` (97 of 100 from four processes). Close each at the end of its request.
os.environ.setdefault("LIAISON_DB_CONN_MAX_AGE", "0")
application = get_asgi_application()
