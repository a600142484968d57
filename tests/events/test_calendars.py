"""iCalendar output parses with icalendar and carries the site's time zone."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from liaison.events import services
from tests.events.factories import EventFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def chicago_event(world):
    world.school.time_zone = "America/Chicago"
    world.school.save()
    start = dt.datetime(2027, 3, 4, 18, 0, tzinfo=CHICAGO)
    return EventFactory(
        district=world.district,
        site=world.school,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1, minutes=30),
        title="ELAC meeting",
    )


def test_event_ics_parses_with_the_site_time_zone(client, world, chicago_event):
    client.force_login(world.liaison)
    response = client.get(reverse("events:ics", args=[chicago_event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "America/Chicago"
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=-6)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 5, 0, 0, tzinfo=dt.UTC)
    assert vevent["DTSTART"].params["TZID"] == "America/Chicago"
    assert str(vevent["UID"]) == f"{chicago_event.uid}@liaison"
    assert vevent["SEQUENCE"] == 0


def test_a_change_bumps_the_sequence_and_a_cancel_says_cancelled(client, world, chicago_event):
    services.update_event(event=chicago_event, place="Library")
    client.force_login(world.liaison)
    vevent = Calendar.from_ical(
        client.get(reverse("events:ics", args=[chicago_event.pk])).content
    ).walk("VEVENT")[0]
    assert vevent["SEQUENCE"] == 1
    services.cancel_event(event=chicago_event)
    cal = Calendar.from_ical(client.get(reverse("events:ics", args=[chicago_event.pk])).content)
    assert cal["METHOD"] == "CANCEL"
    assert cal.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert cal.walk("VEVENT")[0]["SEQUENCE"] == 2


def test_household_feed_by_signed_token_lists_its_events_without_sign_in(
    client, world, chicago_event
):
    household = world.caseload_family
    services.invite_households(event=chicago_event, households=[household], send=False)
    other = EventFactory(district=world.district, title="Not invited")
    # Another family saying no does not take the event out of this family's feed.
    services.invite_households(event=chicago_event, households=[world.site_family], send=False)
    services.respond(
        invitation=chicago_event.invitations.get(household=world.site_family), answer="no"
    )
    token = services.feed_token("household", household.pk)
    cal = Calendar.from_ical(client.get(reverse("events:feed", args=[token])).content)
    titles = [str(v["SUMMARY"]) for v in cal.walk("VEVENT")]
    assert titles == ["ELAC meeting"] and other.title not in titles
    assert client.get(reverse("events:feed", args=[token[:-2] + "xx"])).status_code == 404


def test_site_feed_lists_the_sites_events(client, world, chicago_event):
    token = services.feed_token("site", world.school.pk)
    cal = Calendar.from_ical(client.get(reverse("events:feed", args=[token])).content)
    assert [str(v["SUMMARY"]) for v in cal.walk("VEVENT")] == ["ELAC meeting"]
    assert cal.walk("VTIMEZONE")


def test_weekly_series_keeps_wall_clock_time_across_daylight_saving(world):
    start = dt.datetime(2027, 3, 4, 18, 0, tzinfo=CHICAGO)  # DST starts 14 March 2027
    made = services.create_event(
        district=world.district,
        site=world.school,
        kind="workshop",
        title="English class",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        place="Room 4",
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    assert [e.starts_at.astimezone(CHICAGO).hour for e in made] == [18, 18, 18]
    assert made[2].starts_at.astimezone(CHICAGO).utcoffset() == dt.timedelta(hours=-5)
    assert {e.series_id for e in made[1:]} == {made[0].pk}


def test_flyer_is_a_pdf_and_says_which_languages_did_not_fit(client, world, chicago_event):
    client.force_login(world.liaison)
    response = client.get(reverse("events:flyer", args=[chicago_event.pk]) + "?lang=en&lang=es")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_unbounded_series_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.occurrences(
            starts_at=dt.datetime(2027, 1, 1, tzinfo=CHICAGO), rule="FREQ=WEEKLY", zone=CHICAGO
        )


# --- printed flyers in every script --------------------------------------------------------

FLYER_TEXTS = {
    "en": ("Family night", "Come with your children.", "Tuesday"),
    "vi": ("Đêm gia đình", "Hãy đến cùng con em của quý vị.", "Thứ Ba"),
    "ru": ("Семейный вечер", "Приходите с детьми.", "вторник"),
    "ar": ("ليلة العائلة", "تعالوا مع أطفالكم إلى المدرسة.", "الثلاثاء"),
    "zh-Hans": ("家庭之夜", "欢迎带孩子来学校。", "星期二"),
    "ko": ("가족의 밤", "아이들과 함께 오세요.", "화요일"),
}


def _pages(pdf: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def _cjk_installed():
    from liaison.events.flyer import installed_fonts

    if not any("CJK" in f.regular for f in installed_fonts()):
        pytest.skip("Noto Sans CJK is not installed (scripts/ensure-fonts installs it)")


def test_flyer_prints_arabic_chinese_korean_vietnamese_and_russian(settings):
    from liaison.events.flyer import flyer_pdf

    _cjk_installed()
    pdf, skipped = flyer_pdf(None, FLYER_TEXTS, where="Room 4")
    assert skipped == []
    assert _pages(pdf) == len(FLYER_TEXTS)


def test_chinese_and_korean_print_with_the_face_drawn_for_their_language():
    from liaison.events.flyer import font_for

    _cjk_installed()
    assert font_for("zh-Hans", *FLYER_TEXTS["zh-Hans"]).leads == ("zh",)
    assert font_for("ko", *FLYER_TEXTS["ko"]).leads == ("ko",)
    assert font_for("vi", *FLYER_TEXTS["vi"]).leads == ()


def test_a_language_no_font_can_print_is_left_out_and_named_on_the_last_page():
    from liaison.events.flyer import flyer_pdf

    amharic = ("የቤተሰብ ምሽት", "ከልጆቻችሁ ጋር ኑ።", "ማክሰኞ")
    pdf, skipped = flyer_pdf(None, {"en": FLYER_TEXTS["en"], "am": amharic}, where="")
    assert skipped == ["am"]
    assert _pages(pdf) == 2  # English, then the note naming Amharic


def test_an_operator_font_is_tried_first(settings, tmp_path):
    from liaison.events.flyer import installed_fonts

    font = tmp_path / "District.ttf"
    font.write_bytes(b"")
    settings.EVENTS_FLYER_FONTS = [f"{font}#0"]
    assert installed_fonts()[0].regular == str(font)


def test_the_event_page_offers_a_flyer_in_the_interpreted_languages(client, world, chicago_event):
    chicago_event.interpretation = ["so", "ar"]
    chicago_event.save()
    client.force_login(world.liaison)
    page = client.get(chicago_event.get_absolute_url()).content.decode()
    for tag in ("so", "ar"):
        assert f'name="lang" value="{tag}"' in page


# --- line breaks in titles, places and names -----------------------------------------------

BROKEN_TITLE = "Math night\r\nfor families\rand\x0bfriends\u2028all"
CONTENT_LINE = re.compile(rb"^[A-Za-z0-9-]+[;:]")


def _assert_every_line_is_a_property_or_a_continuation(body: bytes):
    assert body.endswith(b"\r\n")
    for line in body[:-2].split(b"\r\n"):
        # A bare CR or LF, a vertical tab or a Unicode line separator cuts a line for some readers.
        assert not re.search(rb"[\r\n\x0b\x0c]|\xc2\x85|\xe2\x80[\xa8\xa9]", line), line
        assert CONTENT_LINE.match(line) or line[:1] in (b" ", b"\t"), line


@pytest.fixture
def broken_event(world, chicago_event):
    chicago_event.title = BROKEN_TITLE
    chicago_event.place = "Library,\r\nroom 4"
    chicago_event.description = "Bring the children.\rPizza at 6.\r\nSee you!"
    chicago_event.video_url = "https://meet.example.test/math\r\n"
    chicago_event.save()
    return chicago_event


def test_a_line_break_in_an_event_title_does_not_break_its_ics_file(client, world, broken_event):
    client.force_login(world.liaison)
    response = client.get(reverse("events:ics", args=[broken_event.pk]))
    assert response.status_code == 200
    _assert_every_line_is_a_property_or_a_continuation(response.content)
    cal = Calendar.from_ical(response.content)
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Math night for families and friends all"
    assert str(cal["X-WR-CALNAME"]) == "Math night for families and friends all"
    assert str(vevent["LOCATION"]) == "Library, room 4"
    assert str(vevent["DESCRIPTION"]) == "Bring the children.\nPizza at 6.\nSee you!"
    assert str(vevent["URL"]) == "https://meet.example.test/math"


def test_a_line_break_in_a_household_name_does_not_break_its_feed(client, world, broken_event):
    household = world.caseload_family
    household.name = "Nguyen\r\nTran\rhousehold"
    household.save()
    services.invite_households(event=broken_event, households=[household], send=False)
    token = services.feed_token("household", household.pk)
    response = client.get(reverse("events:feed", args=[token]))
    assert response.status_code == 200
    _assert_every_line_is_a_property_or_a_continuation(response.content)
    cal = Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]) == "Nguyen Tran household"
    assert [str(v["SUMMARY"]) for v in cal.walk("VEVENT")] == [
        "Math night for families and friends all"
    ]


def test_a_line_break_in_a_title_does_not_break_the_sites_feed(client, world, broken_event):
    response = client.get(
        reverse("events:feed", args=[services.feed_token("site", world.school.pk)])
    )
    assert response.status_code == 200
    _assert_every_line_is_a_property_or_a_continuation(response.content)
    [vevent] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Math night for families and friends all"
