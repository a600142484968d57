"""The resources app's tables: the HSDS directory, its search listings, and referrals."""

from liaison.resources.models.directory import (
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
from liaison.resources.models.referrals import Referral, ReferralEvent, UnmetNeed
from liaison.resources.models.search import HoursPattern, Listing

__all__ = [
    "Address",
    "Attribute",
    "CostOption",
    "HoursPattern",
    "HsdsImport",
    "Language",
    "Listing",
    "Location",
    "Organization",
    "Phone",
    "Referral",
    "ReferralEvent",
    "Schedule",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceFeedback",
    "Taxonomy",
    "TaxonomyTerm",
    "UnmetNeed",
]
