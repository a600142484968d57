"""Messaging test data: synthetic families (555-01xx phones, example.org emails)."""

from tests import factories as f


def family(district, *, name="Rivera", guardians=2, language="es", site=None, **guardian_kwargs):
    household = f.HouseholdFactory(district=district, name=f"{name} household", site=site)
    made = []
    for i in range(guardians):
        made.append(
            f.GuardianFactory(
                household=household,
                given_name=f"{name}{i}",
                family_name=name,
                preferred_language=language,
                **guardian_kwargs,
            )
        )
    return household, made
