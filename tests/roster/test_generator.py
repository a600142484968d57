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


def test_a_first_load_refreshes_the_planners_statistics_before_it_joins_the_new_rows(
    tmp_path, monkeypatch
):
    """Statistics taken while the district had no roster made PostgreSQL join every new guardian to
    every new household by nested loop (hours at 100,000 students): a large first load refreshes
    them after writing families, before the bulk-omission queries; a small change does not."""
    from liaison.roster.oneroster import users as oneroster

    analysed = []
    real = oneroster.refresh_statistics

    def spy(*models):
        analysed.append({m.__name__ for m in models})
        real(*models)

    monkeypatch.setattr(oneroster, "refresh_statistics", spy)
    monkeypatch.setattr(oneroster, "STATISTICS_AFTER_ROWS", 500)
    bulk = generate(tmp_path / "bulk", students=400, seed=3)
    import_path(path=bulk)
    assert {"Household", "Guardian", "Student", "GuardianStudent"} in analysed
    analysed.clear()
    import_path(path=bulk)  # nothing new: only the households stage's own refresh
    assert {"Household", "Guardian", "Student", "GuardianStudent"} not in analysed
