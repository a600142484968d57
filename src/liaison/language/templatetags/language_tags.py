"""{% translation_previews subject body languages %}: each language's text before sending, with a
correction form per language. Messaging's announcement preview includes it."""

from django import template

from liaison.core.policy import language as rules

register = template.Library()


def preview_items(user, *, subject, body, languages):
    from liaison.language import services
    from liaison.language.pipeline import preview_message

    district = services.district_for(user)
    tags = [t[0] if isinstance(t, list | tuple) else t for t in (languages or [])]
    source = getattr(user, "interface_language", "") or "en"
    if district is None or not tags or not (subject or body):
        return source, []
    renderings = preview_message(
        district=district,
        subject=subject or "",
        body=body or "",
        source_language=source,
        target_languages=tags,
    )
    return source, list(renderings.values())


@register.inclusion_tag("language/_previews.html", takes_context=True)
def translation_previews(context, subject, body, languages):
    request = context["request"]
    if not rules.can_preview(request.user):
        return {"renderings": []}
    source, renderings = preview_items(
        request.user, subject=subject, body=body, languages=languages
    )
    return {
        "renderings": renderings,
        "source_subject": subject or "",
        "source_body": body or "",
        "source_language": source,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("language/_reply_translation.html", takes_context=True)
def reply_translation(context, message):
    """Under a family's reply: its detected language and its text in the reader's language."""
    from liaison.language.models import ReplyLanguage
    from liaison.language.rendering import ORIGINAL, same_language
    from liaison.language.services import translate_for_staff

    if getattr(message, "direction", "") != "in" or not (message.body or "").strip():
        return {}
    user = context["request"].user
    target = getattr(user, "interface_language", "") or "en"
    detected = (
        ReplyLanguage.objects.filter(message_id=message.pk)
        .values_list("detected_language", flat=True)
        .first()
    )
    source = detected or message.source_language
    if not source or same_language(source, target):
        return {"source": source}
    result = translate_for_staff(message.body, source, target, message.district)
    if result.method == ORIGINAL:
        return {"source": source}
    return {"source": source, "result": result, "target": target}
