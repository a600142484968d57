"""Rendering a message into eleven languages: from memory, and through a loopback engine; detection."""

import uuid

from bench.harness import Result, demo_district, time_calls, within

LANGS = ["en", "es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]


def run(ctx):
    from liaison.language.detection import detect_language
    from liaison.language.engines import http
    from liaison.language.models import DistrictLanguageSettings
    from liaison.language.rendering import render_message
    from liaison.people.models import District
    from tests.language.servers import EngineServer

    demo_district()
    district = District.objects.order_by("pk").first()
    http._LANGUAGES_CACHE.clear()
    with EngineServer() as server:
        DistrictLanguageSettings.objects.update_or_create(
            district=district, defaults={"engine": "libretranslate", "endpoint": server.url}
        )
        recipients = [lang for lang in LANGS for _ in range(300)]  # ~3,300 guardians

        def fresh():
            # New text every time: eleven languages, eight engine requests, memory written.
            render_message(
                district=district,
                subject="School closed",
                body=f"Riverside Elementary is closed on 12/3 at 3:30 PM. Ref {uuid.uuid4().hex}",
                source_language="en",
                target_languages=recipients,
            )

        yield within(
            "new message into 11 languages via loopback engine (3,300 recipients)",
            time_calls(fresh, repeat=ctx.n(40), warmup=2),
            p=95,
            limit_ms=500,
            notes="one engine request per language; glossary protected",
        )
        before = len(server.translate_calls())

        def cached():
            render_message(
                district=district,
                subject="Family night",
                body="Family night is on Thursday.",
                source_language="en",
                target_languages=recipients,
            )

        cached()
        samples = time_calls(cached, repeat=ctx.n(100))
        yield within(
            "known message into 11 languages from translation memory",
            samples,
            p=95,
            limit_ms=100,
            notes="no engine call after the first",
        )
        calls = len(server.translate_calls()) - before
        yield Result(
            name="engine requests for 100 repeats of a known message",
            value=calls,
            unit="requests",
            target="8 (first send only)",
            ok=calls <= 8,
        )
    replies = [
        "Buenos días, mi hija no pudo ir a la escuela hoy porque tiene fiebre.",
        "Chào cô, hôm nay con tôi bị sốt nên không đi học được.",
        "صباح الخير، ابنتي مريضة اليوم ولن تذهب إلى المدرسة.",
        "老师您好，我女儿今天发烧了，不能去上学。",
        "Subax wanaagsan, gabadhaydu maanta waa jirran tahay.",
    ]
    state = {"i": 0}

    def detect():
        detect_language(replies[state["i"] % len(replies)])
        state["i"] += 1

    yield within(
        "language detection of a family reply",
        time_calls(detect, repeat=ctx.n(500), warmup=5),
        p=95,
        limit_ms=20,
    )
