"""Staff pages of the language app, and the family's "I didn't understand" page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from liaison.core import policy
from liaison.core.htmx import is_htmx
from liaison.core.i18n import base_language
from liaison.core.policy import Want
from liaison.core.policy import language as rules
from liaison.language import phrases, pipeline, services
from liaison.language.choices import MemoryStatus, RequestStatus, TranslationStatus
from liaison.language.forms import (
    AssignInterpreterForm,
    CorrectionForm,
    GlossaryForm,
    InterpreterForm,
    InterpreterRequestForm,
    LanguageSettingsForm,
    MemoryForm,
    PreviewForm,
    ResolveReportForm,
    TemplateApprovalForm,
)
from liaison.language.models import (
    DistrictLanguageSettings,
    GlossaryTerm,
    Interpreter,
    InterpreterRequest,
    LanguageSuggestion,
    MessageTemplate,
    TemplateTranslation,
    TranslationMemory,
    UnderstandingReport,
)
from liaison.people.models import Guardian, Household


def _district_or_404(request, check=rules.can_use_language_tools):
    if not check(request.user):
        raise Http404
    district = services.district_for(request.user)
    if district is None:
        raise Http404
    return district


@login_required
def home(request):
    district = _district_or_404(request)
    households = Household.objects.visible_to(request.user)
    context = {
        "reports": UnderstandingReport.objects.filter(
            district=district, resolved_at__isnull=True, household__in=households
        ).select_related("household", "guardian")[:20],
        "review_count": TranslationMemory.objects.filter(
            district=district, needs_review=True
        ).count(),
        "draft_templates": TemplateTranslation.objects.filter(district__isnull=True).count()
        - TemplateTranslation.objects.filter(
            district=district, status=TranslationStatus.APPROVED
        ).count(),
        "open_requests": InterpreterRequest.objects.visible_to(request.user)
        .open()
        .select_related("household", "interpreter")[:20],
        "coverage": services.coverage(district),
        "settings_row": DistrictLanguageSettings.objects.filter(district=district).first(),
    }
    return render(request, "language/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def preview(request):
    """Compose or pick a template and see every language before sending; correct any of them."""
    district = _district_or_404(request, rules.can_preview)
    form = PreviewForm(request.POST or None, district=district)
    context = {"form": form, "renderings": None}
    if request.method == "POST" and form.is_valid():
        template = form.cleaned_data["template"]
        subject = form.cleaned_data["subject"]
        body = form.cleaned_data["body"]
        if template is not None and not (subject or body):
            subject, body = template.subject, template.body
        source = form.cleaned_data["source_language"]
        renderings = pipeline.preview_message(
            district=district,
            subject=subject,
            body=body,
            source_language=source,
            target_languages=form.targets,
        )
        context.update(
            renderings=list(renderings.values()),
            source_subject=subject,
            source_body=body,
            source_language=source,
        )
    return render(request, "language/preview.html", context)


@login_required
@require_POST
def correct(request):
    """Save a staff correction of one language as approved memory; answers the updated card."""
    district = _district_or_404(request, rules.can_preview)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    saved = bool(data["body"].strip())
    if saved:
        services.correct_rendering(
            district=district,
            source_language=data["source_language"],
            language=data["language"],
            source_subject=data["source_subject"],
            source_body=data["source_body"],
            subject=data["subject"],
            body=data["body"],
            by=request.user,
        )
    rendering = pipeline.preview_message(
        district=district,
        subject=data["source_subject"],
        body=data["source_body"],
        source_language=data["source_language"],
        target_languages=[data["language"]],
    )[data["language"]]
    context = {
        "r": rendering,
        "saved": saved,
        "errors": [] if saved else [_("Write the translation.")],
        "source_subject": data["source_subject"],
        "source_body": data["source_body"],
        "source_language": data["source_language"],
    }
    if is_htmx(request):
        return render(request, "language/_preview_card.html", context)
    if saved:
        messages.success(request, _("Correction saved as the approved translation."))
    return redirect("language:preview")


@login_required
def memory(request):
    district = _district_or_404(request, rules.can_approve_translations)
    qs = TranslationMemory.objects.filter(district=district).order_by("-updated_at")
    show = request.GET.get("show", "review")
    if show == "review":
        qs = qs.filter(needs_review=True)
    elif show in MemoryStatus.values:
        qs = qs.filter(status=show)
    from django.core.paginator import Paginator

    page = Paginator(qs.select_related("approved_by"), 50).get_page(request.GET.get("page"))
    return render(request, "language/memory.html", {"page": page, "show": show})


@login_required
@require_http_methods(["GET", "POST"])
def memory_edit(request, pk):
    district = _district_or_404(request, rules.can_approve_translations)
    row = get_object_or_404(TranslationMemory, pk=pk, district=district)
    form = MemoryForm(request.POST or None, initial={"text": row.text})
    if request.method == "POST" and form.is_valid():
        services.approve_memory(row=row, text=form.cleaned_data["text"], by=request.user)
        messages.success(request, _("Translation approved."))
        return redirect("language:memory")
    return render(request, "language/memory_edit.html", {"row": row, "form": form})


@login_required
def templates(request):
    district = _district_or_404(request)
    rows = MessageTemplate.objects.filter(Q(district__isnull=True) | Q(district=district))
    approved = {}
    for template_id, language in TemplateTranslation.objects.filter(
        district=district, status=TranslationStatus.APPROVED
    ).values_list("template_id", "language"):
        approved.setdefault(template_id, set()).add(language)
    items = [{"template": t, "approved": sorted(approved.get(t.pk, set()))} for t in rows]
    return render(request, "language/templates.html", {"items": items})


@login_required
@require_http_methods(["GET", "POST"])
def template_detail(request, pk):
    district = _district_or_404(request)
    template = get_object_or_404(
        MessageTemplate.objects.filter(Q(district__isnull=True) | Q(district=district)), pk=pk
    )
    can_approve = rules.can_approve_translations(request.user)
    shipped = {t.language: t for t in template.translations.filter(district__isnull=True)}
    own = {
        t.language: t
        for t in template.translations.filter(district=district).select_related("approved_by")
    }
    posted_language = request.POST.get("language") if request.method == "POST" else None
    rows = []
    for language in sorted(set(shipped) | set(own)):
        current = own.get(language) or shipped[language]
        form = TemplateApprovalForm(
            request.POST if posted_language == language else None,
            template=template,
            initial={"subject": current.subject, "body": current.body},
            prefix=f"t-{language}",
        )
        if posted_language == language and can_approve and form.is_valid():
            services.approve_template_translation(
                template=template,
                district=district,
                language=language,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                by=request.user,
            )
            messages.success(request, _("Translation approved for your district."))
            return redirect("language:template", pk=template.pk)
        rows.append({"language": language, "current": current, "form": form})
    return render(
        request,
        "language/template.html",
        {"template": template, "rows": rows, "can_approve": can_approve},
    )


@login_required
@require_http_methods(["GET", "POST"])
def glossary(request):
    district = _district_or_404(request)
    can_edit = rules.can_approve_translations(request.user)
    form = GlossaryForm(request.POST or None, district=district)
    if request.method == "POST":
        if not can_edit:
            raise Http404
        if form.is_valid():
            form.save()
            messages.success(request, _("Term added to the glossary."))
            return redirect("language:glossary")
    terms = GlossaryTerm.objects.filter(district=district)
    return render(
        request, "language/glossary.html", {"form": form, "terms": terms, "can_edit": can_edit}
    )


@login_required
@require_POST
def glossary_delete(request, pk):
    district = _district_or_404(request, rules.can_approve_translations)
    get_object_or_404(GlossaryTerm, pk=pk, district=district).delete()
    messages.success(request, _("Term removed from the glossary."))
    return redirect("language:glossary")


@login_required
@require_http_methods(["GET", "POST"])
def language_settings(request):
    district = _district_or_404(request, rules.can_manage_language_settings)
    instance = DistrictLanguageSettings.objects.filter(district=district).first()
    instance = instance or DistrictLanguageSettings(district=district)
    form = LanguageSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Translation settings saved."))
        return redirect("language:settings")
    return render(request, "language/settings.html", {"form": form})


@login_required
def coverage(request):
    district = _district_or_404(request)
    return render(request, "language/coverage.html", {"rows": services.coverage(district)})


@login_required
def interpreters(request):
    district = _district_or_404(request)
    rows = Interpreter.objects.filter(district=district)
    return render(
        request,
        "language/interpreters.html",
        {"rows": rows, "can_manage": rules.can_manage_interpreters(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def interpreter_edit(request, pk=None):
    district = _district_or_404(request, rules.can_manage_interpreters)
    instance = get_object_or_404(Interpreter, pk=pk, district=district) if pk else None
    form = InterpreterForm(request.POST or None, instance=instance, district=district)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Interpreter saved."))
        return redirect("language:interpreters")
    return render(
        request, "language/interpreter_form.html", {"form": form, "interpreter": instance}
    )


@login_required
def requests(request):
    _district_or_404(request)
    rows = (
        InterpreterRequest.objects.visible_to(request.user)
        .open()
        .select_related("household", "interpreter")
    )
    return render(request, "language/requests.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request, pk):
    household = policy.open_household(request, pk, also=rules.can_request_interpreter)
    form = InterpreterRequestForm(
        request.POST or None, initial={"language": household.primary_language}
    )
    if request.method == "POST" and form.is_valid():
        made = services.request_interpreter(
            household=household, by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Interpreter requested."))
        return redirect("language:request", pk=made.pk)
    return render(request, "language/request_form.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk):
    req = get_object_or_404(
        InterpreterRequest.objects.select_related("household", "interpreter__user"), pk=pk
    )
    policy.open_household(
        request,
        req.household_id,
        also=lambda user, household: rules.can_see_interpreter_request(user, req),
        log="view",
    )
    can_assign = rules.can_assign_interpreter(request.user, req)
    candidates = services.interpreter_candidates(req) if can_assign else []
    form = AssignInterpreterForm(
        request.POST if request.POST.get("action") == "assign" else None, candidates=candidates
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "assign" and can_assign and form.is_valid():
            services.assign_interpreter(
                request=req, interpreter=form.cleaned_data["interpreter"], by=request.user
            )
            messages.success(request, _("Interpreter assigned."))
            return redirect("language:request", pk=req.pk)
        if action == "confirm" and rules.can_confirm_interpreter_request(request.user, req):
            if req.status != RequestStatus.ASSIGNED:
                messages.error(request, _("Only an assigned request can be confirmed."))
            else:
                services.confirm_request(request=req, by=request.user)
                messages.success(request, _("Interpreter confirmed."))
            return redirect("language:request", pk=req.pk)
        if action == "cancel" and can_assign:
            services.cancel_request(request=req, by=request.user)
            messages.success(request, _("Request cancelled."))
            return redirect("language:request", pk=req.pk)
        if action not in ("assign", "confirm", "cancel"):
            raise Http404
    return render(
        request,
        "language/request.html",
        {
            "req": req,
            "form": form,
            "can_assign": can_assign,
            "can_confirm": rules.can_confirm_interpreter_request(request.user, req),
            "candidates": candidates,
        },
    )


@login_required
@require_POST
def report_resolve(request, pk):
    report = get_object_or_404(UnderstandingReport.objects.select_related("household"), pk=pk)
    policy.open_household(request, report.household_id, Want.EDIT)
    form = ResolveReportForm(request.POST)
    if form.is_valid():
        services.resolve_report(
            report=report, resolution=form.cleaned_data["resolution"], by=request.user
        )
        messages.success(request, _("Follow-up recorded."))
    else:
        messages.error(request, _("Say what was done to follow up."))
    return redirect(report.household)


@login_required
@require_POST
def suggestion_decide(request, pk):
    suggestion = get_object_or_404(LanguageSuggestion, pk=pk)
    household = policy.open_guardian(request, suggestion.guardian_id, Want.EDIT).household
    if suggestion.decided_at is None:
        accept = request.POST.get("accept") == "yes"
        services.decide_suggestion(suggestion=suggestion, accept=accept, by=request.user)
        messages.success(
            request,
            _("Preferred language updated.") if accept else _("Suggestion dismissed."),
        )
    return redirect(household)


@require_http_methods(["GET", "POST"])
def didnt_understand(request, token):
    """The family's link: a page in their language, and a button so link checkers file nothing."""
    data = services.read_token(token)
    guardian = (
        Guardian.objects.filter(pk=data["g"]).select_related("household").first() if data else None
    )
    if guardian is None:
        raise Http404
    language = data["l"]
    done = False
    if request.method == "POST":
        services.report_not_understood(
            guardian=guardian,
            language=language,
            source_hashes=data.get("h", []),
            message_ref=data.get("m", ""),
        )
        done = True
    with translation.override(
        language if base_language(language) in dict(phrases.DIDNT_UNDERSTAND) else "en"
    ):
        return render(
            request,
            "language/didnt_understand.html",
            {
                "language": language,
                "done": done,
                "heading": phrases.phrase(phrases.DIDNT_UNDERSTAND, language),
                "thanks": phrases.phrase(phrases.DIDNT_UNDERSTAND_THANKS, language),
                "button": phrases.phrase(phrases.CONFIRM_BUTTON, language),
            },
        )
