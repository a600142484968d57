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
