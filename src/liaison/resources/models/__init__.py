"""The resources app's tables: the HSDS directory, its search listings, and referrals."""

from liaison.resources.models.directory import (  # noqa: F401
    Address,
    Attribute,
    CostOption,
    HsdsImport,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceFeedback,
    Taxonomy,
    TaxonomyTerm,
)
from liaison.resources.models.referrals import Referral, ReferralEvent, UnmetNeed  # noqa: F401
from liaison.resources.models.search import HoursPattern, Listing  # noqa: F401
