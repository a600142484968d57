"""base_language(): the one rule for "which language is this tag", used by engines, interpreters,
fonts, the portal and the insights figures."""

import pytest

from liaison.core.i18n import base_language


@pytest.mark.parametrize(
    ("tag", "base"),
    [
        ("es-MX", "es"),
        ("zh-Hant", "zh"),
        ("so", "so"),
        ("PRS-AF", "prs"),
        ("", ""),
        (None, ""),
    ],
)
def test_base_language_is_the_primary_subtag_in_lower_case(tag, base):
    assert base_language(tag) == base
