"""A family's answer to an attendance nudge that names a barrier (transport, illness, housing,
bullying) gets its next step beside it on the staff thread: a concern in one tap, and help found
for that need. The words are folded like the opt-out words (case, accents) and cover the ten
portal languages and English; add words in the language they are written in."""

import datetime as dt
import re
import unicodedata
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liaison.attendance.models import AttendanceNudge
from liaison.concerns import services as concerns
from liaison.concerns.models import Concern
from liaison.core.policy import concerns as concern_policy
from liaison.core.policy import resources as resource_policy
from liaison.messaging.choices import Direction
from liaison.people.models import Student

# How long after a nudge a family's message counts as its answer.
ANSWER_DAYS = 14

# code: (words, the concern category it becomes, what to search the directory for). A word ending
# in "*" matches words starting with it; CJK and Hangul words match anywhere in the text.
BARRIERS: dict[str, tuple[list[str], str, str]] = {
    "transport": (
        [
            "bus",
            "buses",
            "ride",
            "transport*",
            "car",
            "autobus",
            "transporte",
            "carro",
            "camion",
            "raite",
            "voiture",
            "bis",
            "transpo",
            "machin",
            "onibus",
            "xe buyt",
            "dua don",
            "gaadiid*",
            "bas",
            "автобус*",
            "транспорт*",
            "машин*",
            "حافلة",
            "باص",
            "مواصلات",
            "سيارة",
            "校车",
            "公交",
            "交通",
            "버스",
            "교통",
        ],
        "transport",
        "transportation",
    ),
    "illness": (
        [
            "sick",
            "ill",
            "illness",
            "fever",
            "flu",
            "asthma",
            "doctor",
            "hospital*",
            "enferm*",
            "fiebre",
            "medico",
            "malade",
            "maladie",
            "fievre",
            "medecin",
            "hopital",
            "malad",
            "lafyev",
            "dokte",
            "lopital",
            "doente",
            "doenca",
            "febre",
            "om",
            "benh*",
            "sot",
            "xanuun*",
            "jiran",
            "isbitaal*",
            "qandho",
            "болен",
            "больна",
            "болеет",
            "болезн*",
            "больниц*",
            "температур*",
            "врач*",
            "مريض",
            "مريضة",
            "مرض",
            "حمى",
            "مستشفى",
            "طبيب",
            "生病",
            "发烧",
            "医院",
            "아파",
            "아프",
            "병원",
            "감기",
        ],
        "health",
        "health",
    ),
    "housing": (
        [
            "housing",
            "evict*",
            "shelter",
            "homeless",
            "motel",
            "rent",
            "moved",
            "moving",
            "vivienda",
            "desalo*",
            "albergue",
            "refugio",
            "sin hogar",
            "mudamos",
            "mudanza",
            "renta",
            "alquiler",
            "logement",
            "expuls*",
            "sans abri",
            "demenag*",
            "lojman",
            "mete deyo",
            "abri",
            "moradia",
            "despejo",
            "abrigo",
            "aluguel",
            "nha o",
            "bi duoi",
            "cho o",
            "guri",
            "жиль*",
            "высел*",
            "приют*",
            "переезд*",
            "переезжа*",
            "аренд*",
            "سكن",
            "طرد",
            "ملجا",
            "ايجار",
            "住房",
            "房租",
            "搬家",
            "주거",
            "이사",
            "월세",
        ],
        "basic_needs",
        "housing",
    ),
    "bullying": (
        [
            "bully*",
            "bullied",
            "harass*",
            "picked on",
            "acos*",
            "intimid*",
            "molest*",
            "harcel*",
            "se moque*",
            "anmede",
            "entimide",
            "ameac*",
            "assedio",
            "bat nat",
            "cagajs*",
            "handadey*",
            "травл*",
            "обижа*",
            "издева*",
            "буллинг",
            "تنمر",
            "يضايق*",
            "مضايقة",
            "欺负",
            "霸凌",
            "괴롭",
            "왕따",
        ],
        "bullying_safety",
        "counseling",
    ),
}

LABELS = {
    "transport": gettext_lazy("Transport"),
    "illness": gettext_lazy("Illness"),
    "housing": gettext_lazy("Housing"),
    "bullying": gettext_lazy("Bullying"),
}


def fold(text: str) -> str:
    """Lower case, without accents or combining marks, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def _is_cjk(word: str) -> bool:
    return any("\u3000" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af" for c in word)


def _pattern(words: list[str]) -> re.Pattern[str]:
    parts = []
    for word in words:
        stem = word.rstrip("*")
        folded = re.escape(fold(stem))
        if _is_cjk(stem):
            parts.append(folded)
        elif word.endswith("*"):
            parts.append(rf"(?<!\w){folded}")
        else:
            parts.append(rf"(?<!\w){folded}(?!\w)")
    return re.compile("|".join(parts))


_PATTERNS = {code: _pattern(words) for code, (words, _c, _n) in BARRIERS.items()}


def barriers_named(text: str) -> list[str]:
    """The barriers a family's message names, in BARRIERS' order."""
    folded = fold(text or "")
    return [code for code, pattern in _PATTERNS.items() if pattern.search(folded)]


def category_of(barrier: str) -> str:
    return BARRIERS[barrier][1]


def thread_barrier_actions(
    user: Any, conversation: Any, messages: Any
) -> dict[int, list[tuple[str, ...]]]:
    """Beside a family's answer to an attendance nudge that names a barrier: "Transport: make it a
    concern" (one tap) and "Transport: find help". Two queries for the whole thread, none when the
    household was never nudged."""
    household = conversation.household
    if not concern_policy.can_raise(user, household):
        return {}
    nudged = sorted(
        AttendanceNudge.objects.filter(
            household_id=household.pk, message__conversation_id=conversation.pk
        ).values_list("message__created_at", flat=True)
    )
    if not nudged:
        return {}
    from_concerns = _messages_made_concerns([m.pk for m in messages])
    may_refer = resource_policy.can_refer(user, household)
    out: dict[int, list[tuple[str, ...]]] = {}
    for m in messages:
        if m.direction != Direction.IN or m.pk in from_concerns:
            continue
        if not any(at <= m.created_at <= at + dt.timedelta(days=ANSWER_DAYS) for at in nudged):
            continue
        actions: list[tuple[str, ...]] = []
        for barrier in barriers_named(m.body):
            label = LABELS[barrier]
            actions.append(
                (
                    _("%(barrier)s: make it a concern") % {"barrier": label},
                    reverse("attendance:barrier_concern", args=[m.pk, barrier]),
                    "post",
                )
            )
            if may_refer:
                query = urlencode({"q": BARRIERS[barrier][2]})
                url = reverse("resources:household_search", args=[household.pk])
                actions.append((_("%(barrier)s: find help") % {"barrier": label}, f"{url}?{query}"))
        if actions:
            out[m.pk] = actions
    return out


def _messages_made_concerns(message_ids: list[int]) -> set[int]:
    return {
        pk
        for pk in Concern.objects.filter(source_message_id__in=message_ids).values_list(
            "source_message_id", flat=True
        )
        if pk is not None
    }


def concern_from_answer(*, message: Any, barrier: str, by: Any) -> Concern:
    """The family's answer becomes a concern of the barrier's category, about the children named
    in the nudge it answers (the latest before it); the same answer twice gives the same concern."""
    nudge = (
        AttendanceNudge.objects.filter(
            household_id=message.conversation.household_id,
            message__conversation_id=message.conversation_id,
            message__created_at__lte=message.created_at,
        )
        .order_by("-day")
        .first()
    )
    ids = list(nudge.student_ids) if nudge is not None else []
    students = list(
        Student.objects.filter(pk__in=ids, household_id=message.conversation.household_id)
    )
    return concerns.raise_concern_from_message(
        message=message, by=by, category=category_of(barrier), students=students
    )
