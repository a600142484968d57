"""The demo district: synthetic, deterministic (seeded) families, students and staff.

Every name, number and address here is invented. Phone numbers use the fictional 555-01xx range and
emails the reserved example.org domain, so nothing can reach a real person.
"""

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from liaison.attendance.models import school_year_of
from liaison.concerns import services as concern_services
from liaison.core.db import refresh_statistics
from liaison.demo import attendance as attendance_demo
from liaison.demo import concerns as concerns_demo
from liaison.demo import events as events_demo
from liaison.demo import history
from liaison.demo import messaging as messaging_demo
from liaison.demo import resources as resources_demo
from liaison.insights.services import refresh_all
from liaison.people.choices import (
    AssignmentRole,
    Channel,
    Grade,
    Programme,
    Relationship,
    Role,
    SiteKind,
)
from liaison.people.models import (
    ClassSection,
    District,
    Enrolment,
    Guardian,
    GuardianStudent,
    Household,
    HouseholdAssignment,
    Membership,
    Site,
    Student,
    StudentProgramme,
    User,
)
from liaison.people.search import reindex

DEMO_SLUG = "riverton"
DEMO_PASSWORD = "liaison-demo-2026"  # noqa: S105  (printed for the synthetic demo only)

# Home-language mix of the demo's guardians, close to a US district's: about a third not English.
LANGUAGE_MIX = [
    ("en", 65.0),
    ("es", 21.0),
    ("ar", 2.2),
    ("zh-Hans", 2.0),
    ("vi", 2.0),
    ("ht", 1.6),
    ("so", 1.5),
    ("pt", 1.3),
    ("ru", 1.1),
    ("fr", 1.1),
    ("ko", 1.2),
]

NAMES = {
    "en": (
        [
            "James",
            "Mary",
            "Robert",
            "Patricia",
            "Michael",
            "Jennifer",
            "David",
            "Linda",
            "Sarah",
            "Thomas",
            "Emily",
            "Daniel",
            "Ashley",
            "Kevin",
            "Megan",
            "Brian",
            "Laura",
            "Jason",
            "Nicole",
            "Ryan",
        ],
        [
            "Smith",
            "Johnson",
            "Williams",
            "Brown",
            "Jones",
            "Miller",
            "Davis",
            "Wilson",
            "Anderson",
            "Taylor",
            "Moore",
            "Jackson",
            "Martin",
            "Thompson",
            "White",
            "Harris",
            "Clark",
            "Lewis",
            "Walker",
            "Hall",
        ],
    ),
    "es": (
        [
            "María",
            "José",
            "Guadalupe",
            "Juan",
            "Rosa",
            "Luis",
            "Carmen",
            "Carlos",
            "Ana",
            "Jorge",
            "Lucía",
            "Miguel",
            "Sofía",
            "Pedro",
            "Isabel",
            "Alejandro",
            "Gabriela",
            "Fernando",
            "Elena",
            "Javier",
        ],
        [
            "García",
            "Rodríguez",
            "Martínez",
            "Hernández",
            "López",
            "González",
            "Pérez",
            "Sánchez",
            "Ramírez",
            "Torres",
            "Flores",
            "Rivera",
            "Gómez",
            "Díaz",
            "Reyes",
            "Morales",
            "Cruz",
            "Ortiz",
            "Castillo",
            "Vargas",
        ],
    ),
    "ar": (
        [
            "Ahmed",
            "Fatima",
            "Mohammed",
            "Aisha",
            "Omar",
            "Layla",
            "Youssef",
            "Mariam",
            "Khaled",
            "Noor",
        ],
        [
            "Al-Sayed",
            "Haddad",
            "Khalil",
            "Mansour",
            "Nasser",
            "Saleh",
            "Hamdan",
            "Aziz",
            "Darwish",
            "Farouk",
        ],
    ),
    "zh-Hans": (
        ["Wei", "Fang", "Lei", "Xiu", "Jun", "Mei", "Hao", "Ying", "Tao", "Lan"],
        ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"],
    ),
    "vi": (
        ["Minh", "Lan", "Huong", "Tuan", "Thu", "Duc", "Mai", "Long", "Ngoc", "Hai"],
        ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Phan", "Vu", "Dang", "Bui", "Do"],
    ),
    "ht": (
        [
            "Jean",
            "Marie",
            "Pierre",
            "Rose",
            "Jacques",
            "Nadège",
            "Wilner",
            "Guerline",
            "Frantz",
            "Mirlande",
        ],
        [
            "Joseph",
            "Pierre",
            "Jean-Baptiste",
            "Louis",
            "Charles",
            "Desir",
            "Étienne",
            "Alexis",
            "Paul",
            "Noël",
        ],
    ),
    "so": (
        ["Abdi", "Hodan", "Mohamed", "Amina", "Hassan", "Faadumo", "Ali", "Sahra", "Yusuf", "Hibo"],
        [
            "Warsame",
            "Farah",
            "Abdullahi",
            "Osman",
            "Hussein",
            "Jama",
            "Mohamud",
            "Aden",
            "Ismail",
            "Nur",
        ],
    ),
    "pt": (
        [
            "João",
            "Ana",
            "Francisco",
            "Maria",
            "Paulo",
            "Beatriz",
            "Tiago",
            "Juliana",
            "Rafael",
            "Camila",
        ],
        [
            "Silva",
            "Santos",
            "Oliveira",
            "Souza",
            "Costa",
            "Ferreira",
            "Almeida",
            "Pereira",
            "Lima",
            "Gomes",
        ],
    ),
    "ru": (
        [
            "Ivan",
            "Olga",
            "Dmitri",
            "Natalia",
            "Sergei",
            "Irina",
            "Alexei",
            "Elena",
            "Pavel",
            "Svetlana",
        ],
        [
            "Ivanov",
            "Petrova",
            "Smirnov",
            "Kuznetsova",
            "Popov",
            "Volkova",
            "Sokolov",
            "Morozova",
            "Lebedev",
            "Novikova",
        ],
    ),
    "fr": (
        [
            "Claire",
            "Luc",
            "Amélie",
            "Julien",
            "Camille",
            "Mathieu",
            "Chloé",
            "Antoine",
            "Léa",
            "Hugo",
        ],
        [
            "Martin",
            "Bernard",
            "Dubois",
            "Thomas",
            "Robert",
            "Richard",
            "Petit",
            "Durand",
            "Leroy",
            "Moreau",
        ],
    ),
    "ko": (
        [
            "Min-jun",
            "Seo-yeon",
            "Ji-ho",
            "Ha-eun",
            "Jun-seo",
            "Ji-woo",
            "Do-yun",
            "Soo-ah",
            "Hyun-woo",
            "Yuna",
        ],
        ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"],
    ),
}
CHILD_NAMES = [
    "Mateo",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Mia",
    "Lucas",
    "Amara",
    "Yusuf",
    "Sofia",
    "Leo",
    "Zara",
    "Kai",
    "Layla",
    "Omar",
    "Isla",
    "Theo",
    "Nia",
    "Bao",
    "An",
    "Ji-ho",
    "Mei",
    "Idris",
    "Nadia",
    "Samuel",
    "Aaliyah",
    "Diego",
    "Chloe",
]
STREETS = [
    "Maple St",
    "Oak Ave",
    "Elm St",
    "Cedar Rd",
    "Pine St",
    "Washington St",
    "River Rd",
    "Hill St",
    "Park Ave",
    "Lincoln Ave",
    "Church St",
    "Spring St",
    "Union St",
    "Mill St",
    "Prospect St",
    "Franklin St",
]
CITY, REGION, CENTRE = "Riverton", "MA", (42.3601, -71.0589)


@dataclass(frozen=True)
class SiteSpec:
    key: str
    name: str
    kind: str
    grades: tuple[str, ...]


SITES = [
    SiteSpec(
        "riverside",
        "Riverside Elementary School",
        SiteKind.SCHOOL,
        ("KG", "01", "02", "03", "04", "05"),
    ),
    SiteSpec("lincoln", "Lincoln Middle School", SiteKind.SCHOOL, ("06", "07", "08")),
    SiteSpec("eastside", "Eastside High School", SiteKind.SCHOOL, ("09", "10", "11", "12")),
    SiteSpec(
        "sunflower", "Sunflower Early Learning Center", SiteKind.EARLY_CHILDHOOD, ("PR", "PK")
    ),
    SiteSpec("northgate", "Northgate Family Resource Center", SiteKind.COMMUNITY, ()),
    SiteSpec("welcome", "Newcomer Welcome Program", SiteKind.PROGRAMME, ()),
    SiteSpec("office", "Riverton Public Schools Central Office", SiteKind.DISTRICT_OFFICE, ()),
]

# (username, first, last, role, site key or None, languages, title)
STAFF = [
    (
        "admin",
        "Dana",
        "Whitfield",
        Role.DISTRICT_ADMIN,
        None,
        ["en"],
        "Director of Family Engagement",
    ),
    ("leader", "Marcus", "Bell", Role.SITE_LEADER, "riverside", ["en"], "Principal"),
    ("liaison", "Rosa", "Delgado", Role.LIAISON, "riverside", ["en", "es"], "Parent Liaison"),
    (
        "liaison2",
        "Abdirahman",
        "Yusuf",
        Role.LIAISON,
        "lincoln",
        ["en", "so", "ar"],
        "Family Liaison",
    ),
    (
        "liaison3",
        "Thu",
        "Pham",
        Role.LIAISON,
        "eastside",
        ["en", "vi"],
        "Family Engagement Coordinator",
    ),
    (
        "liaison4",
        "Nadège",
        "Célestin",
        Role.LIAISON,
        "sunflower",
        ["en", "ht", "fr"],
        "Family Liaison",
    ),
    ("teacher", "Grace", "Okafor", Role.TEACHER, "riverside", ["en"], "Grade 3 Teacher"),
    ("interpreter", "Layla", "Haddad", Role.INTERPRETER, None, ["ar", "en"], "Arabic Interpreter"),
    ("leader2", "Helen", "Park", Role.SITE_LEADER, "lincoln", ["en", "ko"], "Principal"),
    ("leader3", "Victor", "Alves", Role.SITE_LEADER, "eastside", ["en", "pt"], "Principal"),
]


# Area codes for the families' fictional 555-01xx numbers (617 is left to the district's staff).
FAMILY_AREA_CODES = [
    857,
    781,
    508,
    978,
    339,
    351,
    774,
    413,
    401,
    603,
    207,
    802,
    860,
    203,
    475,
    914,
    845,
    516,
    631,
    212,
    646,
    718,
    347,
    929,
    201,
    973,
    862,
    732,
    908,
    609,
    215,
    267,
    610,
    484,
    412,
    202,
    301,
    240,
    410,
    443,
    703,
    571,
    804,
    757,
]


def _family_phone(index: int, rng) -> str:
    """The index-th family number: unique, so each family can sign in to the portal by text and
    their replies find them (a number shared across households signs nobody in)."""
    rng.choice(("617", "857", "781", "508")), rng.randint(0, 99)  # the seeded stream as before
    area = FAMILY_AREA_CODES[(index // 100) % len(FAMILY_AREA_CODES)]
    return f"+1{area}55501{index % 100:02d}"


def ascii_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def pick_weighted(rng: random.Random, table):
    total = sum(w for _, w in table)
    x = rng.uniform(0, total)
    for value, weight in table:
        x -= weight
        if x <= 0:
            return value
    return table[-1][0]


def grade_for_age(age: int) -> str:
    order = [
        "PR",
        "PK",
        "KG",
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
        "08",
        "09",
        "10",
        "11",
        "12",
    ]
    return order[max(0, min(len(order) - 1, age - 3))]


def site_for_grade(grade: str) -> str:
    for spec in SITES:
        if grade in spec.grades:
            return spec.key
    return "riverside"


def demo_exists() -> bool:
    return District.objects.filter(slug=DEMO_SLUG).exists()


def sign_ins() -> list[tuple[str, str, str]]:
    return [
        (
            username,
            DEMO_PASSWORD,
            f"{Role(role).label}{' at ' + dict((s.key, s.name) for s in SITES)[site] if site else ''}",
        )
        for username, _, _, role, site, _, _ in STAFF
    ]


def portal_example():
    """A demo family to try the portal as: a Spanish-speaking guardian on the demo liaison's
    caseload with two children at home; None when the demo is not there."""

    return (
        Guardian.objects.reachable()
        .filter(
            household__district__slug=DEMO_SLUG,
            household__assignments__staff__username="liaison",
            preferred_language="es",
        )
        .exclude(phone="")
        .annotate(children=Count("student_links", distinct=True))
        .filter(children__gte=2)
        .select_related("household")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def build_demo(*, seed: int = 20261129, households: int = 2000, students: int = 3000) -> District:
    """Build the demo district once; returns the existing one untouched when it is already there."""
    existing = District.objects.filter(slug=DEMO_SLUG).first()
    if existing:
        return existing
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    district = District.objects.create(
        name="Riverton Public Schools",
        slug=DEMO_SLUG,
        time_zone="America/New_York",
        contact_phone="+16175550100",
        contact_email="families@riverton.example.org",
    )
    sites = {}
    for i, spec in enumerate(SITES):
        sites[spec.key] = Site.objects.create(
            district=district,
            name=spec.name,
            kind=spec.kind,
            street=f"{100 + i * 25} {STREETS[i]}",
            city=CITY,
            region=REGION,
            postal_code=f"0210{i}",
            phone=f"+161755501{10 + i:02d}",
            latitude=CENTRE[0] + rng.uniform(-0.04, 0.04),
            longitude=CENTRE[1] + rng.uniform(-0.05, 0.05),
        )

    staff = {}
    for username, first, last, role, site_key, languages, title in STAFF:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            title=title,
            languages=languages,
            email=f"{username}@riverton.example.org",
            is_staff=(role == Role.DISTRICT_ADMIN),
            phone=f"+16175550{150 + len(staff):03d}",
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.create(
            user=user, district=district, site=sites[site_key] if site_key else None, role=role
        )
        staff[username] = user
    # The demo liaison also covers Lincoln Middle, where many of her families' older children go.
    Membership.objects.create(
        user=staff["liaison"], district=district, site=sites["lincoln"], role=Role.LIAISON
    )
    # Teachers without a sign-in of their own, so that classes have teachers.
    teachers = {}
    for spec in SITES[:3]:
        for grade in spec.grades:
            user = User(
                username=f"teacher-{spec.key}-{grade.lower()}",
                first_name=rng.choice(NAMES["en"][0]),
                last_name=rng.choice(NAMES["en"][1]),
                title=f"Grade {grade} teacher",
                is_active=True,
            )
            user.set_unusable_password()
            user.save()
            Membership.objects.create(
                user=user, district=district, site=sites[spec.key], role=Role.TEACHER
            )
            teachers[(spec.key, grade)] = user

    # Students per household: every household has at least one child, 3,000 children in all.
    per_household = [1] * households
    for i in rng.sample(range(households), min(households, students - households)):
        per_household[i] += 1
    extra = students - sum(per_household)
    while extra > 0:
        per_household[rng.randrange(households)] += 1
        extra -= 1

    household_rows, guardian_rows, student_rows = [], [], []
    for h in range(households):
        lang = pick_weighted(rng, LANGUAGE_MIX)
        given, family = NAMES[lang]
        surname = rng.choice(family)
        household_rows.append(
            Household(
                district=district,
                name=f"{surname} household",
                home_languages=[lang] if lang == "en" else [lang, "en"][: 1 + (rng.random() < 0.3)],
                street=f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
                city=CITY,
                region=REGION,
                postal_code=f"021{rng.randint(10, 99)}",
                latitude=CENTRE[0] + rng.uniform(-0.06, 0.06),
                longitude=CENTRE[1] + rng.uniform(-0.08, 0.08),
                created_at=now,
                updated_at=now,
            )
        )
        household_rows[-1]._demo = (lang, surname, h)
    Household.objects.bulk_create(household_rows, batch_size=1000)

    guardian_meta = []
    for household in household_rows:
        lang, surname, h = household._demo
        given = NAMES[lang][0]
        for g in range(2 if rng.random() < 0.7 else 1):
            first = rng.choice(given)
            restricted = rng.random() < 0.012 and g == 1
            channel_roll = rng.random()
            channels = (
                [Channel.SMS, Channel.EMAIL]
                if channel_roll < 0.6
                else ([Channel.EMAIL, Channel.SMS] if channel_roll < 0.85 else [Channel.SMS])
            )
            has_email = Channel.EMAIL in channels
            guardian_rows.append(
                Guardian(
                    household=household,
                    given_name=first,
                    family_name=surname,
                    relationship=Relationship.PARENT
                    if rng.random() < 0.85
                    else rng.choice(
                        [
                            Relationship.GRANDPARENT,
                            Relationship.LEGAL_GUARDIAN,
                            Relationship.RELATIVE,
                        ]
                    ),
                    preferred_language=lang if lang == "en" or rng.random() < 0.92 else "en",
                    phone=_family_phone(len(guardian_rows), rng),
                    email=f"{ascii_name(first)}.{ascii_name(surname)}{h}{g}@example.org"
                    if has_email
                    else "",
                    preferred_channels=channels,
                    contact_restricted=restricted,
                    contact_restriction_reason="Court order: no contact with the family or school records (synthetic)."
                    if restricted
                    else "",
                    created_at=now,
                    updated_at=now,
                )
            )
            guardian_meta.append(household)
    Guardian.objects.bulk_create(guardian_rows, batch_size=1000)

    enrol_rows, programme_rows = [], []
    for household, count in zip(household_rows, per_household, strict=True):
        lang, surname, h = household._demo
        for _ in range(count):
            age = rng.randint(3, 17)
            grade = grade_for_age(age)
            birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            student = Student(
                district=district,
                household=household,
                given_name=rng.choice(CHILD_NAMES),
                family_name=surname,
                date_of_birth=birth,
                grade=grade,
                created_at=now,
                updated_at=now,
            )
            student._demo = (lang, grade)
            student_rows.append(student)
    Student.objects.bulk_create(student_rows, batch_size=1000)

    guardians_by_household: dict[int, list[Guardian]] = {}
    for guardian in guardian_rows:
        guardians_by_household.setdefault(guardian.household_id, []).append(guardian)
    link_rows = []
    for student in student_rows:
        lang, grade = student._demo
        site = sites[site_for_grade(grade)]
        enrol_rows.append(
            Enrolment(
                student=student,
                site=site,
                # enrolled since last school year began, so its attendance can be shown
                starts_on=dt.date(school_year_of(today) - 1, 9, 1),
                created_at=now,
                updated_at=now,
            )
        )
        roll = rng.random()
        if lang != "en" and rng.random() < 0.6:
            programme_rows.append(
                StudentProgramme(student=student, programme=Programme.ENGLISH_LEARNER)
            )
        if roll < 0.13:
            programme_rows.append(StudentProgramme(student=student, programme=Programme.IEP))
        elif roll < 0.16:
            programme_rows.append(
                StudentProgramme(student=student, programme=Programme.SECTION_504)
            )
        if rng.random() < 0.02:
            programme_rows.append(
                StudentProgramme(student=student, programme=Programme.MCKINNEY_VENTO)
            )
        if rng.random() < 0.005:
            programme_rows.append(
                StudentProgramme(student=student, programme=Programme.FOSTER_CARE)
            )
        if grade in ("PR", "PK"):
            programme_rows.append(
                StudentProgramme(student=student, programme=Programme.EARLY_CHILDHOOD)
            )
        for guardian in guardians_by_household[student.household_id]:
            link_rows.append(
                GuardianStudent(
                    guardian=guardian,
                    student=student,
                    relationship=guardian.relationship,
                    emergency_contact=True,
                    created_at=now,
                    updated_at=now,
                )
            )
    Enrolment.objects.bulk_create(enrol_rows, batch_size=2000)
    StudentProgramme.objects.bulk_create(programme_rows, batch_size=2000)
    GuardianStudent.objects.bulk_create(link_rows, batch_size=2000)

    # Some families are served by the community centre and the newcomer programme.
    for household in rng.sample(household_rows, min(120, households // 10)):
        household.site = sites["northgate"] if rng.random() < 0.6 else sites["welcome"]
    Household.objects.bulk_update(
        [h for h in household_rows if h.site_id], ["site"], batch_size=500
    )

    # Classes: one homeroom per grade at each school; the demo teacher has Grade 3 at Riverside.
    for (site_key, grade), teacher in teachers.items():
        section = ClassSection.objects.create(
            site=sites[site_key], title=f"Homeroom {Grade(grade).label}", course_code=f"HR-{grade}"
        )
        section.teachers.add(teacher)
        if (site_key, grade) == ("riverside", "03"):
            section.teachers.add(staff["teacher"])
        section.students.add(
            *[s for s in student_rows if s._demo[1] == grade and site_for_grade(grade) == site_key]
        )

    # Caseloads: each liaison takes families at their site, those speaking their languages first.
    assignment_rows = []
    site_students: dict[str, list[Student]] = {}
    for s in student_rows:
        site_students.setdefault(site_for_grade(s._demo[1]), []).append(s)
    taken = set()
    language_of = {h.id: h._demo[0] for h in household_rows}
    home_site = {username: site for username, _f, _l, _r, site, _langs, _t in STAFF}
    for username in ["liaison", "liaison2", "liaison3", "liaison4"]:
        user = staff[username]
        spoken = set(user.languages) - {"en"}
        candidates = list(
            dict.fromkeys(
                s.household_id
                for s in site_students.get(home_site[username], [])
                if s.household_id not in taken
            )
        )
        chosen = sorted(candidates, key=lambda hid: language_of[hid] not in spoken)[:60]
        taken.update(chosen)
        assignment_rows += [
            HouseholdAssignment(
                staff=user,
                household_id=hid,
                role=AssignmentRole.LIAISON,
                started_on=dt.date(today.year - 1, 9, 1),
            )
            for hid in chosen
        ]
    arabic = [h.id for h in household_rows if h._demo[0] == "ar"][:12]
    assignment_rows += [
        HouseholdAssignment(
            staff=staff["interpreter"],
            household_id=hid,
            role=AssignmentRole.INTERPRETER,
            started_on=today,
        )
        for hid in arabic
    ]
    HouseholdAssignment.objects.bulk_create(assignment_rows, batch_size=1000)
    concern_services.ensure_district_defaults(district)

    # A school year of history (contacts, messages, events, concerns, referrals...) up to now.
    site_of_household: dict[int, str] = {}
    for s in student_rows:
        site_of_household.setdefault(s.household_id, site_for_grade(s._demo[1]))
    liaison_of = {
        a.household_id: a.staff for a in assignment_rows if a.role == AssignmentRole.LIAISON
    }
    resources_demo.add_demo_activity(district, staff)
    history.add_school_year(
        district=district,
        staff=staff,
        sites=sites,
        families=history.families_of(
            household_rows=household_rows,
            language_of=language_of,
            guardians_by_household=guardians_by_household,
            site_of_household=site_of_household,
            liaison_of=liaison_of,
            staff=staff,
        ),
        rng=rng,
        now=now,
    )

    # A school year of attendance, imported as the school's system sends it.
    attendance_demo.add_attendance(district=district, rng=rng, today=today)

    # Something on every page: community services, events and concerns, each from its own app.
    events_demo.add_demo_activity(district, staff)
    concerns_demo.add_demo_activity(district, staff)
    messaging_demo.add_demo_activity(district, staff)

    reindex([h.id for h in household_rows])
    # The rollups are built with the demo, so the first visit to Insights shows figures.
    refresh_all(full=True)
    refresh_statistics()
    return district
