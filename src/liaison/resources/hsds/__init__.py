"""Open Referral HSDS 3.0 in and out: the tables Liaison keeps, their CSV files and columns, and how
they refer to each other. importer.py reads the CSV data package or the JSON form; exporter.py
writes both; schema.py validates JSON against the official schemas shipped in schema/."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    name: str  # the HSDS object name
    file: str  # its CSV file in the data package
    model_name: str
    columns: tuple[str, ...]  # HSDS columns Liaison keeps, in the specification's order
    refs: dict = field(default_factory=dict)  # column -> (table, required)
    attr: dict = field(default_factory=dict)  # column -> model attribute when the names differ

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model("resources", self.model_name)

    def attname(self, column: str) -> str:
        if column in self.attr:
            return self.attr[column]
        return column


TABLES = [
    Table(
        "taxonomy", "taxonomies.csv", "Taxonomy", ("id", "name", "description", "uri", "version")
    ),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        "TaxonomyTerm",
        (
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ),
        refs={"parent_id": ("taxonomy_term", False), "taxonomy_id": ("taxonomy", False)},
        attr={"taxonomy": "taxonomy_name", "taxonomy_id": "taxonomy_detail_id"},
    ),
    Table(
        "organization",
        "organizations.csv",
        "Organization",
        (
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ),
        refs={"parent_organization_id": ("organization", False)},
    ),
    Table(
        "service",
        "services.csv",
        "Service",
        (
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ),
        refs={"organization_id": ("organization", True)},
    ),
    Table(
        "location",
        "locations.csv",
        "Location",
        (
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
        refs={"organization_id": ("organization", False)},
    ),
    Table(
        "service_at_location",
        "service_at_location.csv",
        "ServiceAtLocation",
        ("id", "service_id", "location_id", "description"),
        refs={"service_id": ("service", True), "location_id": ("location", True)},
    ),
    Table(
        "address",
        "addresses.csv",
        "Address",
        (
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
        refs={"location_id": ("location", True)},
    ),
    Table(
        "phone",
        "phones.csv",
        "Phone",
        (
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
        refs={
            "location_id": ("location", False),
            "service_id": ("service", False),
            "organization_id": ("organization", False),
            "service_at_location_id": ("service_at_location", False),
        },
    ),
    Table(
        "schedule",
        "schedules.csv",
        "Schedule",
        (
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ),
        refs={
            "service_id": ("service", False),
            "location_id": ("location", False),
            "service_at_location_id": ("service_at_location", False),
        },
    ),
    Table(
        "language",
        "languages.csv",
        "Language",
        ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
        refs={
            "service_id": ("service", False),
            "location_id": ("location", False),
            "phone_id": ("phone", False),
        },
    ),
    Table(
        "service_area",
        "service_areas.csv",
        "ServiceArea",
        ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
        refs={"service_id": ("service", True)},
    ),
    Table(
        "cost_option",
        "cost_options.csv",
        "CostOption",
        (
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ),
        refs={"service_id": ("service", True)},
    ),
    Table(
        "attribute",
        "attributes.csv",
        "Attribute",
        ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
        refs={"taxonomy_term_id": ("taxonomy_term", True)},
    ),
]
BY_NAME = {t.name: t for t in TABLES}
BY_FILE = {t.file: t for t in TABLES}
# Files of the HSDS data package Liaison reads past (contacts, funding, programs ...): reported once.
