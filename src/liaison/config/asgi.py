"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.config.settings")
# Django runs each request's synchronous part in a thread of its own under ASGI, and a persistent
# database connection belongs to its thread: kept, they piled up past PostgreSQL's max_connections
# under `make loadtest` (97 of 100 from four processes), so each is closed after its request.
# Opening one for every request cost more than most pages (a PostgreSQL backend started and
# signed in): on PostgreSQL the process's threads borrow from a pool of at most LIAISON_DB_POOL
# instead (settings.py).
os.environ.setdefault("LIAISON_DB_CONN_MAX_AGE", "0")
os.environ.setdefault("LIAISON_DB_POOL", "10")
application = get_asgi_application()
