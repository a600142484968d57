"""Kept parts (core/kept.py): a part is given back while nothing it shows changed, and drawn again
after a save in its district, a bulk write, `changed()` or a change of who sees which family."""

import pytest
from django.utils import timezone

from liaison.core import kept
from liaison.core.policy.cache import scopes_changed
from liaison.worklist.models import Task


def _task(world):
    return Task.objects.create(
        district=world.district,
        owner=world.liaison,
        household=world.caseload_family,
        title="Call back",
        due_on=timezone.localdate(),
    )


class Drawn:
    """A part's maker that counts how many times it was drawn."""

    def __init__(self):
        self.times = 0

    def __call__(self):
        self.times += 1
        return f"drawn {self.times} times"


@pytest.fixture
def drawn():
    return Drawn()


def _part(world, drawn, **kwargs):
    kwargs.setdefault("districts", [world.district.pk])
    return kept.part("test", world.liaison, make=drawn, **kwargs)


def test_a_part_is_given_back_until_a_save_in_its_district(world, drawn):
    assert _part(world, drawn) == "drawn 1 times"
    assert _part(world, drawn) == "drawn 1 times"
    world.site_family.notes = "Prefers mornings"
    world.site_family.save()
    assert _part(world, drawn) == "drawn 2 times"


def test_a_part_that_names_its_tables_is_kept_through_saves_of_others(world, drawn):
    tables = ("worklist.Task",)
    _part(world, drawn, tables=tables)
    world.foreign_family.save(update_fields=["notes"])  # another district, table
    world.site_family.save(update_fields=["notes"])  # a table the part does not read
    assert _part(world, drawn, tables=tables) == "drawn 1 times"
    _task(world)
    assert _part(world, drawn, tables=tables) == "drawn 2 times"


def test_a_save_in_another_district_leaves_the_part_kept(world, drawn):
    tables = ("people.Household",)
    _part(world, drawn, tables=tables)
    world.foreign_family.save(update_fields=["notes"])  # no change of scope
    assert _part(world, drawn, tables=tables) == "drawn 1 times"
    world.caseload_family.save(update_fields=["notes"])
    assert _part(world, drawn, tables=tables) == "drawn 2 times"


def test_bulk_writes_changed_and_scope_changes_make_a_part_stale(world, drawn):
    tables = ("worklist.Task",)
    _task(world)
    _part(world, drawn, tables=tables)
    Task.objects.filter(owner=world.liaison).update(title="Call back soon")  # KeptWrites
    assert _part(world, drawn, tables=tables) == "drawn 2 times"
    kept.changed(world.district.pk)
    assert _part(world, drawn, tables=tables) == "drawn 3 times"
    scopes_changed()
    assert _part(world, drawn, tables=tables) == "drawn 4 times"
    assert _part(world, drawn, vary=("another search",), tables=tables) == "drawn 5 times"


def test_parts_are_kept_for_one_person(world, drawn):
    _part(world, drawn)
    assert kept.part("test", world.admin, make=drawn, districts=[world.district.pk]) == (
        "drawn 2 times"
    )


def test_kept_html_gets_each_requests_csrf_token(rf):
    html = '<form><input type="hidden" name="csrfmiddlewaretoken" value="abc123"></form>'
    unbound = kept.unbind_csrf(html)
    assert "abc123" not in unbound and kept.CSRF_MARKER in unbound
    request = rf.get("/")
    bound = kept.bind_csrf(request, unbound)
    assert kept.CSRF_MARKER not in bound and "abc123" not in bound
    assert 'name="csrfmiddlewaretoken" value="' in bound


def test_a_superusers_part_is_drawn_afresh(world, drawn):
    """A superuser reads every district, not only those named: nothing is kept for them, so a
    save in a district they are not a member of shows at once."""
    admin = world.liaison
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    assert kept.part("test", admin, make=drawn, districts=[]) == "drawn 1 times"
    assert kept.part("test", admin, make=drawn, districts=[]) == "drawn 2 times"


def test_a_part_that_names_a_group_is_stale_after_a_write_of_any_of_its_tables(world, drawn):
    tables = (kept.group("test-group", ["worklist.Task", "people.Guardian"]),)
    _part(world, drawn, tables=tables)
    world.site_family.save(update_fields=["notes"])  # a table outside the group
    assert _part(world, drawn, tables=tables) == "drawn 1 times"
    _task(world)
    assert _part(world, drawn, tables=tables) == "drawn 2 times"
    Task.objects.filter(owner=world.liaison).update(title="Call back soon")  # a bulk write
    assert _part(world, drawn, tables=tables) == "drawn 3 times"
    guardian = world.caseload_family.guardians.first()
    guardian.save()
    assert _part(world, drawn, tables=tables) == "drawn 4 times"


def test_todays_queue_reads_one_version_of_its_sources_tables(world):
    from liaison.core import today

    tables = {t for s in today._sources for t in s.tables}
    assert len(tables) > 3
    assert all(today.TABLES in kept._groups_of[t] for t in tables)


def test_a_sign_in_leaves_kept_parts_that_show_staff_kept(world, drawn):
    """Django writes last_login at every sign-in: no page shows it."""
    tables = ("people.User",)
    _part(world, drawn, tables=tables)
    world.admin.save(update_fields=["last_login"])
    assert _part(world, drawn, tables=tables) == "drawn 1 times"
    world.admin.first_name = "Renamed"
    world.admin.save(update_fields=["first_name"])
    assert _part(world, drawn, tables=tables) == "drawn 2 times"


def _family_part(world, drawn, household, **kwargs):
    kwargs.setdefault("tables", ("people.User",))
    return kept.part(
        f"family:{household.pk}",
        world.liaison,
        make=drawn,
        districts=[household.district_id],
        households=[household.pk],
        **kwargs,
    )


def test_a_family_part_is_kept_through_writes_about_other_families(world, drawn):
    home = world.caseload_family
    _family_part(world, drawn, home)
    world.site_family.save(update_fields=["notes"])  # another family, same district
    _task_for(world, world.site_family)
    world.site_family.guardians.first().save(update_fields=["given_name"])  # no change of scope
    assert _family_part(world, drawn, home) == "drawn 1 times"
    home.save(update_fields=["notes"])  # the family itself
    assert _family_part(world, drawn, home) == "drawn 2 times"
    _task_for(world, home)  # a row of the family's
    assert _family_part(world, drawn, home) == "drawn 3 times"
    world.admin.save(update_fields=["first_name"])  # a table it names
    assert _family_part(world, drawn, home) == "drawn 4 times"


def _task_for(world, household):
    return Task.objects.create(
        district=world.district,
        owner=world.liaison,
        household=household,
        title="Call back",
        due_on=timezone.localdate(),
    )


def test_a_family_part_is_stale_after_writes_that_cannot_name_their_families(world, drawn):
    home = world.caseload_family
    task = _task_for(world, world.site_family)
    _family_part(world, drawn, home)
    Task.objects.filter(pk=task.pk).update(title="Call back soon")  # KeptWrites: whose rows?
    assert _family_part(world, drawn, home) == "drawn 2 times"
    # A row whose household is only reachable through a relation not loaded with it.
    from liaison.messaging import services
    from liaison.messaging.models import Message

    services.send_message(household=world.site_family, body="Hello", by=world.liaison)
    _family_part(world, drawn, home)
    message = Message.objects.get(body="Hello")  # its thread not loaded
    assert kept.households_of(message) is None
    message.save(update_fields=["body"])
    assert _family_part(world, drawn, home) == "drawn 3 times"
    message = Message.objects.select_related("conversation").get(pk=message.pk)
    assert kept.households_of(message) == [world.site_family.pk]


def test_a_bulk_insert_names_the_families_of_its_rows_unless_too_many(world, drawn):
    from liaison.core.db import MANY_HOUSEHOLDS, households_in

    assert households_in(["household_id", "title"], [(1, "a"), (2, "b"), (1, "c")]) == {1, 2}
    assert households_in(["title"], [("a",)]) is None  # no household column: cannot name
    assert households_in(["household_id"], [(None,)]) is None
    many = [(pk,) for pk in range(MANY_HOUSEHOLDS + 1)]
    assert households_in(["household_id_copy"], many) is None
    home = world.caseload_family
    _family_part(world, drawn, home)
    Task.objects.bulk_create([_unsaved_task(world, world.site_family)])
    assert _family_part(world, drawn, home) == "drawn 1 times"
    Task.objects.bulk_create([_unsaved_task(world, home)])
    assert _family_part(world, drawn, home) == "drawn 2 times"


def _unsaved_task(world, household):
    return Task(
        district=world.district,
        owner=world.liaison,
        household=household,
        title="Loaded",
        due_on=timezone.localdate(),
    )


def test_which_tables_belong_to_households():
    assert kept.owns_households("people.Household")
    assert kept.owns_households("messaging.Delivery")  # household_id_copy
    assert kept.owns_households("messaging.Message")  # answers itself
    assert kept.owns_households("messaging.Attachment")  # through its message's thread
    assert kept.owns_households("concerns.Concern_students")  # a link to a household's rows
    assert not kept.owns_households("people.Site")
    assert not kept.owns_households("concerns.ConcernCategory")


def test_a_notice_made_without_a_thread_is_on_no_page_until_its_deliveries(world):
    from liaison.messaging.models import Message

    notice = Message(district=world.district, kind="notice", body="Reminder")
    assert notice.kept_households(created=True) == []
    assert notice.kept_households(created=False) is None


def test_a_family_part_names_its_other_tables():
    with pytest.raises(ValueError):
        kept.part("x", None, make=str, districts=[], households=[1], tables=kept.ANY)


def test_a_version_the_store_forgot_draws_the_part_afresh(world, drawn):
    """Versions are kept a day after their last draw (kept.VERSION_SECONDS), not for ever: one
    that is gone must never give back a part drawn before the write that replaced it."""
    home = world.caseload_family
    _family_part(world, drawn, home)
    home.save(update_fields=["notes"])  # a new version of the family, not read yet
    kept.store.delete(kept.household_key(home.pk))  # then forgotten (expired or evicted)
    assert _family_part(world, drawn, home) == "drawn 2 times"
    assert _family_part(world, drawn, home) == "drawn 2 times"
    kept.store.delete(kept.version_key(kept.HOUSEHOLDS, world.district.pk))
    assert _family_part(world, drawn, home) == "drawn 3 times"
