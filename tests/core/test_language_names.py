"""Language values from a school's system: names in any language become BCP 47 tags; text that
only starts like a language name is not one."""

import pytest

from liaison.core.validators import language_from_name
from liaison.roster.mapping import Mapping


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("Spanish", "es"),
        ("Español", "es"),
        ("Farsi", "fa"),
        ("Kreyòl ayisyen", "ht"),
        ("Tiếng Việt", "vi"),
        ("Brazilian Portuguese", "pt-BR"),
        ("Spanish language", "es"),
        ("Hakka dialect", "hak"),
    ],
)
def test_a_language_name_in_any_language_gives_its_tag(value, tag):
    assert language_from_name(value) == tag


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(1)", "javascript", "English; DROP TABLE households", "<script>", "x", ""],
)
def test_text_that_only_begins_like_a_language_name_is_no_language(value):
    assert language_from_name(value) is None


def test_the_roster_mapping_reports_such_text_as_unknown():
    mapping = Mapping()
    assert mapping.language("javascript:alert(1)") is None
    assert mapping.language("Somali") == "so"
    assert mapping.language("SO") == "so"
