"""Landing and health views."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect


def home(request):
    if request.user.is_authenticated:
        return redirect("people:caseload")
    return redirect("login")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
