"""The synthetic bundle generator the benchmarks use: a bundle of any size imports whole, again
without a change, and its 1% delta changes about 1% of the guardians."""

import pytest

from liaison.people.models import Guardian, Student
from liaison.roster.generator import generate
from liaison.roster.services import import_path

pytestmark = pytest.mark.django_db


def test_a_generated_district_imports_whole_then_again_unchanged_then_its_delta(tmp_path):
    bulk = generate(tmp_path / "bulk", students=400, seed=3)
    delta = generate(tmp_path / "delta", students=400, seed=3, delta_of=400)

    first = import_path(path=bulk)
    assert first.status == "done" and first.counts.get("rejected", 0) == 0
    assert Student.objects.count() == 400
    guardians = Guardian.objects.count()
    assert 1.3 * 400 < guardians < 1.7 * 400  # about 1.5 guardians a student, as the bench says
    stamps = dict(Guardian.objects.values_list("pk", "updated_at"))

    again = import_path(path=bulk)
    assert again.status == "done" and again.counts.get("updated", 0) == 0
    assert dict(Guardian.objects.values_list("pk", "updated_at")) == stamps

    changed = import_path(path=delta)
    assert changed.status == "done" and changed.counts.get("rejected", 0) == 0
    assert 0 < changed.counts.get("updated", 0) < guardians * 0.05
    assert Guardian.objects.filter(email__contains=".new@").count() == changed.counts["updated"]
