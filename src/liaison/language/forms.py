"""Forms of the language app: every field validated, with the message on the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core.languages import (
    LanguageField,
    LanguagesField,
    language_label,
    resolve_language,
    unknown_language,
)
from liaison.core.validators import normalize_language_tag
from liaison.language.choices import InterpretingMode, RequestPurpose
from liaison.language.engines import apertium
from liaison.language.models import (
    DistrictLanguageSettings,
    GlossaryTerm,
    Interpreter,
    MessageTemplate,
)

FAMILY_LANGUAGES = ["es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]


def language_choices(tags=FAMILY_LANGUAGES):
    return [(t, language_label(t)) for t in tags]


class PreviewForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=MessageTemplate.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    source_language = LanguageField(label=_("Written in"), initial="en")
    languages = forms.MultipleChoiceField(
        label=_("Preview in"),
        choices=language_choices,  # called per form: names in the reader's language
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_languages = LanguagesField(
        label=_("Other languages"),
        required=False,
        help_text=_("Type the languages' names, separated by commas, e.g. Hmong, Urdu, Pashto."),
    )

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        self.fields["template"].queryset = MessageTemplate.objects.filter(
            Q(district__isnull=True) | Q(district=district)
        )

    def clean(self):
        data = super().clean()
        if not (data.get("subject") or data.get("body") or data.get("template")):
            self.add_error("body", _("Write a message or choose a template."))
        if not (data.get("languages") or data.get("other_languages")) and not self.errors.get(
            "other_languages"
        ):
            self.add_error("languages", _("Choose at least one language to preview."))
        return data

    @property
    def targets(self) -> list[str]:
        data = self.cleaned_data
        return list(dict.fromkeys([*data.get("languages", []), *data.get("other_languages", [])]))


class CorrectionForm(forms.Form):
    """A staff correction of one language of a message (the source text travels with it)."""

    language = forms.CharField(max_length=35)
    source_language = forms.CharField(max_length=35)
    source_subject = forms.CharField(max_length=300, required=False)
    source_body = forms.CharField(required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
    body = forms.CharField(label=_("Message"), required=False)

    def clean_language(self):
        return normalize_language_tag(self.cleaned_data["language"])

    def clean_source_language(self):
        return normalize_language_tag(self.cleaned_data["source_language"])

    def clean(self):
        data = super().clean()
        if not (data.get("source_subject") or data.get("source_body")):
            raise forms.ValidationError(_("There is no message to correct."))
        return data


class MemoryForm(forms.Form):
    text = forms.CharField(label=_("Translation"), widget=forms.Textarea(attrs={"rows": 4}))


class TemplateApprovalForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args, template=None, **kwargs):
        self.template = template
        super().__init__(*args, **kwargs)

    def clean(self):
        from liaison.language.templating import placeholders

        data = super().clean()
        if self.template is not None and "body" in data and "subject" in data:
            want = set(placeholders(self.template.subject + " " + self.template.body))
            have = set(placeholders(data["subject"] + " " + data["body"]))
            if missing := want - have:
                self.add_error(
                    "body",
                    _("Keep every placeholder of the original: %(names)s is missing.")
                    % {"names": ", ".join("{" + n + "}" for n in sorted(missing))},
                )
            if extra := have - want:
                self.add_error(
                    "body",
                    _("%(names)s is not a placeholder of this template.")
                    % {"names": ", ".join("{" + n + "}" for n in sorted(extra))},
                )
        return data


class GlossaryForm(forms.ModelForm):
    translations_text = forms.CharField(
        label=_("Fixed translations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line as “language: wording”, e.g. "
            "“Spanish: Programa de Educación Individualizado (IEP)”."
        ),
    )

    class Meta:
        model = GlossaryTerm
        fields = ["term", "note"]

    def __init__(self, *args, district=None, **kwargs):
        self.district = district
        super().__init__(*args, **kwargs)

    def clean_term(self):
        term = self.cleaned_data["term"].strip()
        if GlossaryTerm.objects.filter(district=self.district, term__iexact=term).exists():
            raise forms.ValidationError(_("This term is already in the glossary."))
        return term

    def clean_translations_text(self):
        out = {}
        for number, line in enumerate(
            self.cleaned_data.get("translations_text", "").splitlines(), 1
        ):
            if not line.strip():
                continue
            name, sep, wording = line.partition(":")
            if not sep or not wording.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write “language: wording”.") % {"n": number}
                )
            tag = resolve_language(name)
            if tag is None:
                raise forms.ValidationError(
                    _("Line %(n)s: %(error)s")
                    % {"n": number, "error": unknown_language(name.strip()).messages[0]}
                )
            out[tag] = wording.strip()
        return out

    def save(self, commit=True):
        self.instance.district = self.district
        self.instance.translations = self.cleaned_data.get("translations_text", {})
        return super().save(commit)


class LanguageSettingsForm(forms.ModelForm):
    engine_languages_text = LanguagesField(
        label=_("Languages the engine may translate into"),
        required=False,
        help_text=_(
            "Type the languages' names, separated by commas; leave empty for all the engine offers."
        ),
    )

    class Meta:
        model = DistrictLanguageSettings
        fields = ["engine", "endpoint", "api_key", "region", "max_wait_minutes"]
        widgets = {"api_key": forms.PasswordInput(render_value=True)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engine_languages_text"].initial = list(self.instance.engine_languages or [])

    def clean(self):
        data = super().clean()
        engine = data.get("engine")
        if engine == "libretranslate" and not data.get("endpoint"):
            self.add_error("endpoint", _("Give the address of your LibreTranslate server."))
        if engine in ("azure", "google", "deepl") and not data.get("api_key"):
            self.add_error("api_key", _("This engine needs an API key."))
        if engine == "apertium" and not apertium.installed_modes():
            self.add_error(
                "engine",
                _(
                    "Apertium is not installed on this server. Ask your IT team to install it "
                    "(Debian or Ubuntu: apt-get install apertium apertium-en-es)."
                ),
            )
        return data

    def save(self, commit=True):
        self.instance.engine_languages = self.cleaned_data.get("engine_languages_text", [])
        return super().save(commit)


class InterpreterForm(forms.ModelForm):
    languages_text = LanguagesField(label=_("Languages"))
    modes = forms.MultipleChoiceField(
        label=_("Modes"), choices=InterpretingMode.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Interpreter
        fields = ["name", "kind", "organisation", "user", "phone", "email", "is_active"]

    def __init__(self, *args, district=None, **kwargs):
        self.district = district
        super().__init__(*args, **kwargs)
        from liaison.people.models import User

        self.fields["user"].queryset = (
            User.objects.staff_of(district) if district else User.objects.none()
        )
        self.fields["user"].required = False
        if self.instance.pk:
            self.fields["languages_text"].initial = list(self.instance.languages)
            self.fields["modes"].initial = self.instance.modes

    def clean_languages_text(self):
        tags = self.cleaned_data["languages_text"]
        if not tags:
            raise forms.ValidationError(_("Enter at least one language."))
        return tags

    def clean_phone(self):
        from liaison.core.validators import normalize_phone

        return normalize_phone(self.cleaned_data.get("phone", ""))

    def save(self, commit=True):
        self.instance.district = self.district
        self.instance.languages = self.cleaned_data["languages_text"]
        self.instance.modes = self.cleaned_data["modes"]
        return super().save(commit)


class InterpreterRequestForm(forms.Form):
    language = LanguageField(label=_("Language"))
    mode = forms.ChoiceField(label=_("Mode"), choices=InterpretingMode.choices)
    purpose = forms.ChoiceField(label=_("For"), choices=RequestPurpose.choices)
    starts_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(
        label=_("How long (minutes)"), min_value=15, max_value=480, initial=60
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    details = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean_starts_at(self):
        from django.utils import timezone

        value = self.cleaned_data["starts_at"]
        if value < timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return value


class AssignInterpreterForm(forms.Form):
    interpreter = forms.ModelChoiceField(
        label=_("Interpreter"), queryset=Interpreter.objects.none()
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interpreter"].queryset = Interpreter.objects.filter(
            pk__in=[c.pk for c in candidates]
        )


class ResolveReportForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=300,
        help_text=_("E.g. “Called with an Arabic interpreter and explained the notice.”"),
    )
