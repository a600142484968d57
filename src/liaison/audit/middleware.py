"""Write the request's access-log rows after the response has gone out."""

from liaison.audit.services import flush_access_log


class AccessLogMiddleware:
    """Views add access-log rows to a per-request buffer (audit.services.record_access); they are
    written in one INSERT when the server closes the response, i.e. after the person has the page.
    If the view failed, they are written before the error propagates."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._access_log = buffer = []
        try:
            response = self.get_response(request)
        except BaseException:
            flush_access_log(buffer)
            raise
        if buffer:
            if getattr(response, "streaming", False) or not hasattr(response, "_resource_closers"):
                flush_access_log(buffer)
            else:
                response._resource_closers.append(lambda: flush_access_log(buffer))
        return response
