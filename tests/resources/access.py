"""Access rows for the resources app's URLs.

The directory is not family data (NO_RECORD rows, and constant tables for a service's pages);
referrals belong to one household (ROWS): those who may edit the family make and see them.
"""

from tests.access import EDIT, RELATIONSHIPS, ROLES, Row, household_pk

STAFF = {role: 200 for role in ROLES} | {"outsider": 404}
CURATORS = {
    "admin": 200,
    "leader": 200,
    "liaison": 200,
    "teacher": 404,
    "interpreter": 404,
    "outsider": 404,
}


def _constant(by_role):
    return {
        role: dict.fromkeys(RELATIONSHIPS, "ok" if by_role[role] == 200 else "404")
        for role in ROLES
    }


def a_service(world, household):
    from tests.resources.factories import ServiceFactory

    return [ServiceFactory().pk]


def household_and_service(world, household):
    from tests.resources.factories import ServiceFactory

    return [household.pk, ServiceFactory().pk]


def a_referral(world, household):
    from tests.resources.factories import ReferralFactory

    return [ReferralFactory(household=household).pk]


def _status_data(world, household):
    return {"status": "sent", "note": "Texted the address."}


ROWS = {
    "resources:service": Row(a_service, _constant(STAFF)),
    "resources:service_edit": Row(a_service, _constant(CURATORS)),
    "resources:service_verify": Row(a_service, _constant(CURATORS), method="post"),
    "resources:household_search": Row(household_pk, EDIT),
    "resources:referral_new": Row(household_and_service, EDIT),
    "resources:unmet_new": Row(household_pk, EDIT),
    "resources:referral": Row(a_referral, EDIT),
    "resources:referral_send": Row(a_referral, EDIT, method="post"),
    "resources:referral_status": Row(a_referral, EDIT, method="post", data=_status_data),
}
NO_RECORD = {
    "resources:search": STAFF,
    "resources:service_new": CURATORS,
    "resources:stale": CURATORS,
    "resources:export": CURATORS,
    "resources:referrals": CURATORS,
}
EXEMPT = {}
