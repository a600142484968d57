"""Write the request's access-log rows before its response leaves the server."""

from liaison.audit.services import flush_access_log


class AccessLogMiddleware:
    """Views add access-log rows to a per-request buffer (audit.services.record_access); they are
    written in one INSERT, in one transaction, when the view returns and before the response is
    handed to the server, whether the view succeeded or failed.

    Why not after the response (as this once did): a worker killed between sending the page and
    writing the row (a timeout, the OOM killer, a deploy) would have shown a family's record and
    left no trace of it. Written first, no page with a record leaves unless its row is committed;
    if the INSERT fails, the person gets an error page instead of the record (fail closed). The
    cost is one commit on the person's path (bench/workloads/audit_access_log.py times it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._access_log = buffer = []
        try:
            return self.get_response(request)
        finally:
            flush_access_log(buffer)
