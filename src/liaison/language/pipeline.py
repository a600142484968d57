"""Translation pipeline. Until translation memory and engines are configured, every language that is
not the source gets the original text flagged for follow-up, which is what Liaison must do when it
cannot translate (never silently send text a family may not read)."""

from liaison.language.rendering import ORIGINAL, UNTRANSLATED, Rendering, same_language


def render_message(
    *, district, subject, body, source_language, target_languages, template=None, context=None
):
    out = {}
    for language in dict.fromkeys(target_languages):
        if same_language(language, source_language):
            out[language] = Rendering(language, subject, body, ORIGINAL)
        else:
            out[language] = Rendering(language, subject, body, UNTRANSLATED, needs_follow_up=True)
    return out
