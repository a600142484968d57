"""Today's rows, written in Python for speed: every value escaped, each task's forms its own."""

import datetime as dt

from django.test import RequestFactory
from django.utils import timezone

from liaison.core.today import ACTION, URGENT, Item
from liaison.worklist import rows


def test_hostile_text_is_escaped_and_each_task_gets_its_own_forms(world):
    now = timezone.now()
    hostile = "<script>alert(\"x\")</script> & 'Castillo'"
    items = [
        Item(
            kind="task",
            reason=hostile,
            title=hostile,
            at=now,
            url='/x/?a=1&b="2"',
            household="Castillo <b>household</b>",
            due_on=timezone.localdate() - dt.timedelta(days=1),
            task_id=41,
            links=((hostile, "/y/?q=<z>"),),
        ),
        Item(kind="message", reason="Family message", title="Díaz", at=now, priority=URGENT),
        Item(kind="task", reason="Task", title="Call", at=now, priority=ACTION, task_id=7),
    ]
    request = RequestFactory().get("/")
    request.user = world.liaison
    page = str(rows.rows(items, request=request, colleagues=True, now=now))
    assert "<script>" not in page and "<b>household" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;Castillo&#x27;" in page
    assert 'href="/x/?a=1&amp;b=&quot;2&quot;"' in page and 'href="/y/?q=&lt;z&gt;"' in page
    assert 'id="task-41"' in page and 'id="task-7"' in page
    assert 'hx-target="#task-41"' in page and 'id="outcome-7"' in page
    assert str(rows.MARKER) not in page
    assert "was due" in page and "Urgent" in page and "for 0" in page
    assert page.count('name="csrfmiddlewaretoken"') == 6  # three forms a task
