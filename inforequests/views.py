import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from audit.services import audit_personal_data_opened
from core.dates import chinese_moment
from core.forms import error_reasons
from core.http import (
    bad_request_page,
    digits_value,
    is_reader_replay,
    labelled_errors,
    numbered_page,
    parse_page_number,
    replayed_form,
)
from core.pagecache import cached_value
from core.pages import PageMeta, Problem
from core.rendering import keep_response
from core.working_days import load_calendar

from . import clock, forms, ratelimit, selectors, services
from .crypto import digest, seal, unseal
from .identity import normalize_query_code
from .models import Case, Notice, ReplyDocument, applicant_key

SECTION = "依申请公开"
# 依法申请公开 is this column's ColumnType in the 政府网站网页设计规范 list (inspection crawlers
# classify columns by it; the default 其他 hid the column from them).
COLUMN = PageMeta(name=SECTION, type="依法申请公开", description="政府信息公开申请：在线申请、进度查询、办理情况统计")
RECEIPT_SESSION_KEY = "inforequests_receipt"
# The 查询码 shown on the receipt can be opened again from the same browser for this long (a
# reload, a printer that failed), not for the session's two weeks on a shared computer.
RECEIPT_SECONDS = 30 * 60
# {submission token: {"code": 查询码, "at": time}} for the confirmation pages this browser was
# shown (a few, for tabs), for two hours; once sent, {"sent": case, "at": time}: the plain 查询码
# then lives only as long as the receipt does.
PENDING_SESSION_KEY = "inforequests_pending"
PENDING_KEPT = 5
PENDING_SECONDS = 2 * 3600
PAGE_SIZE = 30
# A 查询码 and tail that match no case, and a lookup refused for too many tries, say nothing more
# (ratelimit: the same answer whether the 查询码 exists or not).
LOOKUP_NOT_FOUND = Problem("未查到相符的申请", "请核对查询码（见受理回执）和联系电话或证件号码后4位。")


def _lookup_limited(limit) -> Problem:
    # The wait is the limit's window: the address's, or the 查询码's, counted alike for any code.
    wait = ratelimit.window_words(limit)
    return Problem("查询次数过多", f"为保护申请人信息，查询次数已达上限，请{wait}后再试。如需帮助，请联系受理机关。")


def _crumbs(*trail):
    return [("政府信息公开", reverse("disclosures:catalogue")), (SECTION, reverse("inforequests:apply")), *trail]


# The ids of the forms that hold what an applicant typed: the preference buttons send them
# along with JavaScript off, and they come back as typed (core.http.is_reader_replay).
APPLY_FORM, LOOKUP_FORM, RESULT_FORM = "apply-form", "lookup-form", "lookup-again"


def _page(request, template, context, status=200):
    return render(request, template, {"column": COLUMN, **context}, status=status)


def _confirmation_page(request, form, crumbs, *, status=200):
    """The check step, with a submission token: the case it confirms gets the 查询码 the
    session keeps for the token, so sending the page twice (a double click, Back and again)
    registers one case, and the second answer is the first one's receipt."""
    context = {"form": form, "crumbs": crumbs, "submission": _new_submission(request), "reader_form": APPLY_FORM}
    return _page(request, "inforequests/confirm.html", context, status=status)


def _new_submission(request) -> str:
    """A token for a page that registers a case, and the 查询码 its case is to have."""
    token = secrets.token_urlsafe(16)
    pending = list(_pending(request).items())[-(PENDING_KEPT - 1) :]
    request.session[PENDING_SESSION_KEY] = {
        **dict(pending),
        token: {"code": services.new_query_code(), "at": time.time()},
    }
    return token


def _submitted(request, form):
    """(pending, token, entry) for the page `form` was sent from: entry None when this browser
    was not shown it (or it expired); the entry of another page of this browser that sent the
    same application (a second tab, Back to the form and on again) when there is one."""
    pending = _pending(request)
    token = request.POST.get("submission", "")
    entry = pending.get(token)
    if entry is not None:
        typed = _typed_digest(form)
        entry = next((e for e in pending.values() if "sent" in e and e.get("typed") == typed), entry)
    return pending, token, entry


def _sent_before(request, entry, crumbs):
    """A page sent again: its case's receipt while it may be shown, no second case."""
    if (_receipt_data(request) or {}).get("case") == entry["sent"]:
        return redirect("inforequests:receipt")
    return _page(request, "inforequests/already_sent.html", {"crumbs": crumbs}, status=409)


def _register_once(request, form, pending, token, entry, **arguments):
    """Register with the 查询码 kept for the page: of two requests sent at once, the second
    meets its unique index and answers with the first one's receipt."""
    code = entry["code"]
    case = selectors.case_with_query_code(code)
    if case is None:
        try:
            case, code = services.case_register(query_code=code, **form.service_arguments(), **arguments)
        except services.AlreadyRegistered as repeat:  # sent twice, and this session did not know the first
            return _receipt_again(request, form, pending, token, entry, repeat.case)
        except IntegrityError:
            case = selectors.case_with_query_code(code)
            if case is None:
                raise
    typed = _typed_digest(form)
    if arguments.get("channel") == Case.Channel.ONLINE:
        # For the same form sent again from elsewhere in the next minutes (_receipt_again): the
        # 查询码 is stored nowhere else in the clear.
        cache.set(SENT_CACHE_KEY.format(typed=typed), seal(f"{case.pk}|{code}", SENT_PURPOSE), SENT_SECONDS)
    sent = {"sent": case.pk, "at": entry["at"], "typed": typed}
    request.session[PENDING_SESSION_KEY] = {**pending, token: sent}
    return _show_receipt(request, case, code)


# The 查询码 of an online application just registered, sealed, under the keyed digest of what
# was typed, while a double submission is recognised (selectors.DOUBLE_SUBMIT_SECONDS).
SENT_CACHE_KEY, SENT_PURPOSE = "inforequests:sent:{typed}", "inforequests.sent"
SENT_SECONDS = selectors.DOUBLE_SUBMIT_SECONDS


def _receipt_again(request, form, pending, token, entry, case):
    """The application was registered minutes ago (selectors.double_submission): its receipt,
    no second case. Its 查询码 only when exactly the same was typed (the sealed copy kept for
    it); otherwise the receipt says the 查询码 was shown when the application was first sent."""
    typed = _typed_digest(form)
    kept = cache.get(SENT_CACHE_KEY.format(typed=typed))
    opened = unseal(kept, SENT_PURPOSE, max_age=SENT_SECONDS) if kept else None
    pk, _, code = (opened or "").partition("|")
    request.session[PENDING_SESSION_KEY] = {**pending, token: {"sent": case.pk, "at": entry["at"], "typed": typed}}
    return _show_receipt(request, case, code if pk == str(case.pk) else "", again=True)


def _pending(request) -> dict:
    since = time.time() - PENDING_SECONDS
    return {t: entry for t, entry in request.session.get(PENDING_SESSION_KEY, {}).items() if entry["at"] > since}


def _receipt_data(request):
    """The receipt this browser may still open ({"case", "code", "until"}), or None; a stale one
    is dropped, its 查询码 with it."""
    data = request.session.get(RECEIPT_SESSION_KEY)
    if data and data.get("until", 0) < time.time():
        del request.session[RECEIPT_SESSION_KEY]
        return None
    return data


def _show_receipt(request, case, code, *, again=False):
    before = _receipt_data(request) or {}
    request.session[RECEIPT_SESSION_KEY] = {
        "case": case.pk,
        "code": code,
        "until": time.time() + RECEIPT_SECONDS,
        "again": again,
        # The browser that registered it, the one that may take it back: not one shown the
        # receipt for sending the same ID number, phone and request again (_receipt_again).
        "sent_here": not again or (before.get("case") == case.pk and before.get("sent_here", False)),
    }
    return redirect("inforequests:receipt")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request):
    """Fill in → check (the confirmation step Art. 31 dates the receipt by) → receipt."""
    crumbs = _crumbs(("在线申请", None))
    context = {"crumbs": crumbs, "reader_form": APPLY_FORM}
    if request.method != "POST":
        initial = {"agency": selectors.requested_agency(request.GET)}
        return _page(request, "inforequests/apply.html", {**context, "form": forms.ApplicationForm(initial=initial)})
    form = forms.ApplicationForm(request.POST)
    if is_reader_replay(request):
        # Back from a preference change: the page it was, as typed, nothing sent (checked again
        # only when it had been shown with its errors).
        if "submission" in request.POST and form.is_valid():
            return _confirmation_page(request, form, crumbs)
        form = replayed_form(request, forms.ApplicationForm)
        return _page(request, "inforequests/apply.html", {**context, "form": form})
    step = request.POST.get("step", "check")
    if step == "edit" or not form.is_valid():
        return _page(
            request, "inforequests/apply.html", {**context, "form": form}, status=200 if step == "edit" else 400
        )
    if step != "confirm":
        return _confirmation_page(request, form, crumbs)
    pending, token, entry = _submitted(request, form)
    if entry is None:
        # Not a confirmation page this browser was shown (its session ended meanwhile): once more.
        form.add_error(None, "确认页面已过期，申请尚未提交。请再次核对后点击“确认提交”。")
        return _confirmation_page(request, form, crumbs, status=409)
    if "sent" in entry:  # Back, then 确认提交 again; a second tab
        return _sent_before(request, entry, crumbs)
    key = applicant_key(form.cleaned_data["id_number"])
    address = ratelimit.client_address(request)
    if ratelimit.hit("apply_address", address) or ratelimit.hit("apply_applicant", key):
        form.add_error(None, "提交过于频繁，已达到提交次数上限。请稍后再试，或到受理机关窗口当面提交。")
        return _page(request, "inforequests/apply.html", {**context, "form": form}, status=429)
    return _register_once(
        request,
        form,
        pending,
        token,
        entry,
        channel=Case.Channel.ONLINE,
        received_on=timezone.localdate(),
        confirmed_at=timezone.now(),
        refuse_double_submission=True,
    )


def _typed_digest(form) -> str:
    """What the applicant typed, as a keyed digest (the session holds no particulars for it)."""
    typed = {name: getattr(value, "pk", value) for name, value in sorted(form.cleaned_data.items())}
    return digest(json.dumps(typed, ensure_ascii=False, default=str), "submission")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def receipt(request):
    """The receipt, for the browser that sent the application; while nobody has acted on it,
    within minutes of sending, it may be taken back from here (?undo=1 asks first, POST does)."""
    data = _receipt_data(request)
    case = Case.objects.select_related("agency").filter(pk=data["case"]).first() if data else None
    if case is None:
        return redirect("inforequests:status")
    problem, status = None, 200
    sent_here = data.get("sent_here", False)
    if request.method == "POST" and "undo" in request.POST:
        try:
            if not sent_here:
                raise services.TransitionNotAllowed(
                    "本次申请不是在这台电脑上提交的，不能在此撤回。如需撤回，请联系受理机关。"
                )
            case = services.case_undo_submission(case=case)
        except services.TransitionNotAllowed as error:
            problem, status = Problem("申请没有撤回", error_reasons(error)), 409
        else:
            request.session[RECEIPT_SESSION_KEY] = {**data, "undone": True}
            return redirect("inforequests:receipt")
    undo_until = selectors.submission_undo_until(case) if sent_here else None
    return _page(
        request,
        "inforequests/receipt.html",
        {
            "case": case,
            "code": data["code"],
            "again": data.get("again", False),
            "undone": data.get("undone", False),
            "undo_until": undo_until,
            "asking_undo": bool(undo_until) and request.GET.get("undo") == "1",
            "undo_minutes": selectors.SUBMISSION_UNDO_SECONDS // 60,
            "problem": problem,
            "receipt_minutes": RECEIPT_SECONDS // 60,
            "crumbs": _crumbs(("受理回执", None)),
            "notice": case.notices.filter(key="receipt").first(),
            "provisional": selectors.case_provisional_note(case),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def status(request):
    """查询码 + tail → the case. Any wrong input gets the same answer; tries are rate-limited
    per address and per 查询码 (existing or not, so a limit reveals nothing)."""
    context = {"crumbs": _crumbs(("办理进度查询", None)), "reader_form": LOOKUP_FORM}
    if request.method != "POST":
        return _page(request, "inforequests/status.html", {**context, "form": forms.LookupForm()})
    if is_reader_replay(request) and "again" not in request.POST:
        # Back from a preference change on the form: as typed, not yet looked up. From a result
        # page (its unseen form, "again"), the lookup runs again, as any lookup does.
        return _page(request, "inforequests/status.html", {**context, "form": replayed_form(request, forms.LookupForm)})
    form = forms.LookupForm(request.POST)
    if not form.is_valid():
        return _page(request, "inforequests/status.html", {**context, "form": form}, status=400)
    code = normalize_query_code(form.cleaned_data["query_code"])
    code_key = digest(code, "query")
    limit = None
    if ratelimit.hit("lookup_address", ratelimit.client_address(request)):
        limit = "lookup_address"
    elif ratelimit.exceeded("lookup_code", code_key):
        limit = "lookup_code"
    if limit:
        problem = _lookup_limited(limit)
        return _page(request, "inforequests/status.html", {**context, "form": form, "problem": problem}, status=429)
    case = selectors.lookup(query_code=code, tail=form.cleaned_data["tail"])
    if case is None:
        ratelimit.hit("lookup_code", code_key)
        return _page(
            request, "inforequests/status.html", {**context, "form": form, "problem": LOOKUP_NOT_FOUND}, status=404
        )
    deadline = (
        clock.case_deadline(case, calendar=load_calendar(), until=timezone.localdate(), name_party=False)
        if case.is_open
        else None
    )
    return _page(
        request,
        "inforequests/case_status.html",
        {
            **context,
            # The result's unseen form, so a preference change with JavaScript off shows it again.
            "reader_form": RESULT_FORM,
            "lookup": form.cleaned_data,
            "case": case,
            "notices": selectors.notices_for_applicant(case),
            "events": selectors.events_for_applicant(case),
            "documents": [
                (document, signing.dumps(document.pk, salt=DOCUMENT_SALT)) for document in case.documents.all()
            ],
            "deadline": deadline,
            "provisional": selectors.case_provisional_note(case),
            "reanswers": selectors.reanswers_for_applicant(case),
        },
    )


DOCUMENT_SALT = "inforequests.document"
DOCUMENT_SECONDS = 3600


@never_cache
def document(request, token):
    """A released document, for whoever just passed the status lookup (a signed, expiring link)."""
    try:
        pk = signing.loads(token, salt=DOCUMENT_SALT, max_age=DOCUMENT_SECONDS)
    except signing.BadSignature:
        raise Http404("下载链接无效或已过期，请重新查询。") from None
    found = ReplyDocument.objects.filter(pk=pk).first()
    if found is None or not found.file:
        raise Http404("附件不存在")
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.file.name.rsplit("/", 1)[-1])


@keep_response(timeout=selectors.STATISTICS_SECONDS)
def statistics(request):
    return _page(
        request,
        "inforequests/statistics.html",
        {
            "agencies": selectors.agencies_with_counts(),
            "crumbs": _crumbs(("办理情况统计", None)),
        },
    )


@keep_response(timeout=selectors.STATISTICS_SECONDS)
def agency(request, pk):
    org = selectors.agency_get(pk=pk)
    return _page(
        request,
        "inforequests/agency.html",
        {
            "figures": selectors.agency_statistics(agency=org),
            "crumbs": _crumbs(("办理情况统计", reverse("inforequests:statistics")), (org.name, None)),
        },
    )


def published(request, number):
    case = selectors.published_case(number=number)
    rounds = selectors.reanswers_for_public(case)
    return _page(
        request,
        "inforequests/published.html",
        {
            "case": case,
            "reanswers": rounds,
            "in_force": selectors.answer_in_force(rounds),
            "crumbs": _crumbs(
                (case.agency.name, reverse("inforequests:agency", args=[case.agency_id])), (case.number, None)
            ),
        },
    )


# ---- staff ----

STAFF_COLUMN = PageMeta(name="依申请公开办理")


def case_staff_required(codename):
    """Staff holding the 依申请公开 permission `codename` (the roles that handle cases have it,
    the 审计员 has none), whatever agencies they belong to; 403 otherwise. The selectors and
    services check the same (selectors.cases_for, can_handle)."""

    def decorator(view):
        return staff_member_required(permission_required(f"inforequests.{codename}", raise_exception=True)(view))

    return decorator


def _staff_crumbs(*trail):
    return [("依申请公开办理", reverse("inforequests:staff_queue")), *trail]


# What staff type in the queue's search box is often an applicant's phone or ID number: it is
# sent by POST, never in an address (a GET form's would be kept in the browser's history, and
# the sign-in page's `next` would carry it once the session had ended), and answered with the
# same search sealed (crypto.seal) for the results' address and its page links. For a working day.
SEARCH_PURPOSE, SEARCH_SECONDS = "inforequests.queue-search", 12 * 3600


@never_cache
@case_staff_required("view_case")
def staff_queue(request):
    if request.method == "POST":
        return _seal_search(request)
    if "search" in request.GET:
        return _search_results(request)
    form = forms.StaffQueueForm(request.GET, agencies=selectors.staff_agencies(request.user))
    if not form.is_valid():
        return bad_request_page(request, "筛选条件无效", labelled_errors(form))
    return _queue_page(request, filters=_queue_filters(request, form), table=_queue_table(request, form.cleaned_data))


def _queue_page(request, *, term="", crumbs=(), **context):
    return render(
        request,
        "inforequests/staff/queue.html",
        {
            "search_form": forms.StaffSearchForm(initial={"q": term}),
            "term": term,
            "column": STAFF_COLUMN,
            "crumbs": _staff_crumbs(*crumbs),
            **context,
        },
    )


def _seal_search(request):
    form = forms.StaffSearchForm(request.POST)
    if not form.is_valid():
        return bad_request_page(request, "查找内容无效", labelled_errors(form))
    term = form.cleaned_data["q"].strip()
    if not term:
        return redirect("inforequests:staff_queue")
    sealed = urlencode({"search": seal(term, SEARCH_PURPOSE)})
    return redirect(f"{reverse('inforequests:staff_queue')}?{sealed}")


def _search_results(request):
    """The staff member's cases (selectors.queue: their agencies) that a search names, in any
    state, newest first. Never kept as the queue's table is: the key would be made from the
    term, and each search is one phone call's."""
    term = unseal(request.GET["search"], SEARCH_PURPOSE, max_age=SEARCH_SECONDS)
    if not term:
        return bad_request_page(request, "查找链接已失效", {"q": ["查找链接已过期或无效，请在“查找申请”中重新输入。"]})
    cases = selectors.queue(user=request.user, state="all", order="-received_on", search=term)
    paged = numbered_page(request, cases, PAGE_SIZE)
    selectors.annotate_alarms(paged["page"].object_list)
    return _queue_page(
        request,
        term=term,
        found=paged["page"].paginator.count,
        table=render_to_string("inforequests/staff/queue_table.html", paged),
        crumbs=[("查找结果", None)],
    )


QUEUE_KEEP_SECONDS = 300


def _queue_scope(user) -> str:
    """What staff who may share a kept piece of the queue have in common: every agency, or the
    same set of agencies."""
    return "all" if selectors.can_view_all(user) else ",".join(map(str, selectors.agency_ids_of(user)))


def _queue_table(request, data):
    """The queue's table and page links, kept per set of agencies, query string and day until
    any case is saved or deleted (each writes a history row: selectors.queue_version) or the
    calendar changes, and for QUEUE_KEEP_SECONDS at most (an agency renamed). A page of 30 rows
    cost about 0.75 ms a row to load, decrypt and render, and queues are read far more often
    than cases change. Shared only by staff who may see the same cases."""
    user = request.user
    parse_page_number(request.GET)  # junk is a 404 before anything is looked up
    calendar = load_calendar()
    scope = _queue_scope(user)
    overrides = sorted((day.isoformat(), workday) for day, (workday, _) in calendar.overrides.items())
    vary = (scope, request.GET.urlencode(), timezone.localdate(), selectors.queue_version(), overrides)

    def render_table():
        cases = selectors.queue(
            user=user,
            state=data["state"],
            alarm=data["alarm"],
            order=data["order"] or "due_on",
            agency=data["agency"].pk if data["agency"] else "",
        )
        paged = numbered_page(request, cases, PAGE_SIZE)
        selectors.annotate_alarms(paged["page"].object_list, calendar=calendar)
        return render_to_string("inforequests/staff/queue_table.html", paged)

    key = hashlib.md5(repr(vary).encode()).hexdigest()
    return mark_safe(cached_value(f"inforequests-queue:{key}", render_table, QUEUE_KEEP_SECONDS))  # a template


def _queue_filters(request, form):
    """The queue's filter form, rendered once per generation for each set of agencies and
    choices (its four selects, one with every accepting agency, were a third of the page)."""
    scope = _queue_scope(request.user)
    chosen = "&".join(f"{name}={form[name].value() or ''}" for name in form.fields)
    html = cached_value(
        f"inforequests-queue-filters:{scope}:{chosen}",
        lambda: render_to_string("inforequests/staff/queue_filters.html", {"form": form}),
    )
    return mark_safe(html)  # rendered from a template


ACTIONS = {
    # name: (label, form, service, target state for the button's availability)
    "correction": ("告知补正", forms.CorrectionForm, services.case_request_correction, Case.State.CORRECTION),
    "receive_correction": ("收到补正", forms.ReceiveCorrectionForm, services.case_receive_correction, None),
    "consultation": ("征求意见", forms.ConsultationForm, services.case_start_consultation, Case.State.CONSULTATION),
    "end_consultation": ("征求意见结束", forms.EndConsultationForm, services.case_end_consultation, None),
    "fee": ("发出收费通知", forms.FeeForm, services.case_request_fee, Case.State.FEE),
    "payment": ("登记缴费", forms.PaymentForm, services.case_record_payment, None),
    "extend": ("延期答复", forms.ExtendForm, services.case_extend, Case.State.EXTENDED),
    "reply": ("答复", forms.ReplyForm, services.case_reply, Case.State.ANSWERED),
    "reanswer": ("作出重新答复", forms.ReanswerForm, services.case_reanswer, None),
    "withdraw": ("申请人撤回申请", forms.WithdrawForm, services.case_withdraw, None),
    "archive": ("归档", forms.ArchiveForm, services.case_archive, Case.State.ARCHIVED),
    "reopen": (
        "重新答复（行政复议、行政诉讼或自行纠错）",
        forms.ReopenForm,
        services.case_reopen_for_reanswer,
        Case.State.REANSWERING,
    ),
    "publish": ("隐私处理后公开", forms.PublishForm, services.case_publish, None),
    "publish_reanswer": ("隐私处理后公开重新答复", forms.PublishReanswerForm, services.reanswer_publish, None),
    "promote": ("转为主动公开", forms.PromoteForm, services.case_promote_to_catalogue, None),
    "split": ("拆分事项（一事一申请）", forms.SplitForm, services.case_split, None),
    "duplicate": ("关联重复申请", forms.DuplicateForm, services.case_link_duplicate, None),
}
_RESUMES = {
    "receive_correction": Case.State.CORRECTION,
    "end_consultation": Case.State.CONSULTATION,
    "payment": Case.State.FEE,
}


def available_actions(case, user=None):
    names = []
    for name, (_, _, _, target) in ACTIONS.items():
        if name in _RESUMES:
            ok = case.state == _RESUMES[name]
        elif name == "publish":
            ok = not case.is_open and case.consents_publication and (user is None or selectors.may_publish(user))
        elif name == "correction":  # once only (Art. 30)
            ok = target in services.TRANSITIONS[case.state] and case.correction_notice_on is None
        elif name == "publish_reanswer":
            ok = (
                case.is_published
                and (user is None or selectors.may_publish(user))
                and selectors.latest_answered_reanswer(case) is not None
            )
        elif name == "promote":
            ok = case.is_published and not case.promoted_record_id
        elif name == "split":  # once a fee is asked (or an answer given), the items are fixed
            ok = case.is_open and case.fee_notice_on is None and case.replied_on is None
        elif name == "reanswer":
            ok = case.state == Case.State.REANSWERING
        elif name == "duplicate":
            ok = case.duplicate_of_id is None
        elif name == "withdraw":  # from any open state, paused or not (services.case_withdraw)
            ok = case.is_open and case.state != Case.State.REANSWERING
        elif name == "reply":  # a reopened case is answered again by "reanswer", the first answer kept
            ok = (
                target in services.TRANSITIONS[case.state]
                and not case.is_paused
                and case.state != Case.State.REANSWERING
            )
        elif name == "extend":
            # Once (Art. 33), and on a running clock (services.case_extend says why otherwise).
            ok = target in services.TRANSITIONS[case.state] and case.due_on is not None and not case.extension_days
        elif name == "fee":
            ok = target in services.TRANSITIONS[case.state] and case.fee_notice_on is None
        else:
            ok = target in services.TRANSITIONS[case.state]
        if ok:
            names.append(name)
    return names


@never_cache
@case_staff_required("view_case")
@require_http_methods(["GET", "POST"])
def staff_case(request, pk):
    case = selectors.case_for_staff(user=request.user, pk=pk)
    if request.method == "GET":  # the page shows the applicant's particulars in full
        audit_personal_data_opened(request, case, "打开办理页面")
        return _case_page(request, case)
    name = request.POST.get("action", "")
    if name not in available_actions(case, request.user):
        return _action_refused(request, case, name)
    label, form_class, service, _ = ACTIONS[name]
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            service(case=case, user=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                form.add_error(None, error.messages)
        else:
            return redirect("inforequests:staff_case", pk=case.pk)
    return _case_page(request, case, bound={name: form}, status=400)


def _case_page(request, case, *, bound=None, status=200, **extra):
    bound = bound or {}
    events = list(case.events.select_related("user"))
    actions = [
        (name, ACTIONS[name][0], bound.get(name) or ACTIONS[name][1](prefix=name, initial=_initial(name, case)))
        for name in available_actions(case, request.user)
    ]
    selectors.annotate_alarms([case])
    return render(
        request,
        "inforequests/staff/case.html",
        {
            "case": case,
            "actions": actions,
            "events": events,
            # Sent back with an action: what happened to the case after this page was shown.
            SEEN_FIELD: events[-1].pk if events else 0,
            "notices": case.notices.all(),
            "items": case.items.all(),
            "pauses": case.pauses.all(),
            "reanswers": case.reanswers.select_related("opened_by", "answered_by"),
            "fee": services.fee_quote(case),
            "provisional": selectors.case_provisional_note(case),
            "column": STAFF_COLUMN,
            "crumbs": _staff_crumbs((case.number, None)),
            # The action sent back with errors: base.html's title then says so first.
            "form": next(iter(bound.values()), None),
            **extra,
        },
        status=status,
    )


# The case's latest event when the page was shown, sent with each action form.
SEEN_FIELD = "seen"


def _action_refused(request, case, name):
    """An action the case no longer allows (a page left open while a colleague answered, extended
    or archived it): the case page as it is now, saying what changed and showing what was typed
    (409); one this user may not take, 403; an action that does not exist, 400."""
    if name not in ACTIONS:
        problem = Problem("操作未执行", "无法识别所提交的操作，请在本页重新选择。")
        return _case_page(request, case, status=400, problem=problem)
    label, form_class, _, _ = ACTIONS[name]
    unsent = {"label": label, "rows": _typed_rows(form_class(request.POST, prefix=name))}
    if name in available_actions(case):  # the state allows it, the user's role does not
        problem = Problem("操作未执行", f"您没有“{label}”的权限（须由终审审核员执行）。您填写的内容没有保存，见下方。")
        return _case_page(request, case, status=403, problem=problem, unsent=unsent)
    seen = digits_value(request.POST.get(SEEN_FIELD, ""), max_digits=18)
    events = list(case.events.select_related("user"))
    since = [event for event in events if seen is not None and event.pk > seen]
    # Without the page's mark (or nothing newer than it), the latest step is what explains it.
    lead, changes = ("您打开本页后，", since) if since else ("最近一次办理：", events[-1:])
    done = "；".join(f"{event.user or '系统'}于{chinese_moment(event.at)}{event.action}" for event in changes)
    text = (
        f"{lead}{done}。该申请现为“{case.get_state_display()}”，当前状态下不能“{label}”。您填写的内容没有保存，见下方。"
    )
    return _case_page(request, case, status=409, problem=Problem("操作未执行：该申请已有变化", text), unsent=unsent)


def _typed_rows(form) -> list:
    """(label, value as shown) for what was typed into an action's form, choices by their label."""
    rows = []
    for field in form:
        value = field.value()
        if value in (None, "", [], False):
            continue
        if getattr(field.field, "choices", None):
            value = dict(field.field.choices).get(value, value)
        rows.append((field.label, "是" if value is True else value))
    return rows


def _initial(name, case):
    today = timezone.localdate()
    dates = {
        "correction": "notice_on",
        "receive_correction": "received_on",
        "consultation": "started_on",
        "end_consultation": "ended_on",
        "fee": "notice_on",
        "payment": "paid_on",
        "extend": "on",
        "reply": "replied_on",
        "withdraw": "withdrawn_on",
        "reanswer": "replied_on",
        "reopen": "served_on",
    }
    initial = {dates[name]: today} if name in dates else {}
    if name == "extend":
        initial["days"] = 20
    if name == "publish":
        initial = {"request_text": case.title, "reply_text": case.reply_text}
    if name == "publish_reanswer":
        latest = selectors.latest_answered_reanswer(case)
        initial = {"reply_text": latest.public_text or latest.reply_text}
    if name == "duplicate" and case.possible_duplicate_of_id and case.possible_duplicate_of.replied_on:
        # Only an answered case can be linked (services.case_link_duplicate): no number filled in for a refusal.
        initial = {"original": case.possible_duplicate_of.number}
    return initial


@never_cache
@case_staff_required("view_case")
def staff_deadline(request, pk):
    """How the due date was worked out: every day counted, paused and skipped."""
    case = selectors.case_for_staff(user=request.user, pk=pk)
    deadline = clock.case_deadline(case, calendar=load_calendar(), until=timezone.localdate())
    return render(
        request,
        "inforequests/staff/deadline.html",
        {
            "case": case,
            "deadline": deadline,
            "provisional": selectors.deadline_provisional_note(deadline),
            "reanswer": clock.current_reanswer(case),
            "column": STAFF_COLUMN,
            "crumbs": _staff_crumbs(
                (case.number, reverse("inforequests:staff_case", args=[case.pk])), ("期限计算", None)
            ),
        },
    )


@never_cache
@case_staff_required("view_case")
def staff_notice(request, pk):
    notice = (
        Notice.objects.select_related("case__agency").filter(pk=pk, case__in=selectors.cases_for(request.user)).first()
    )
    if notice is None:
        raise Http404("告知书不存在或不属于您的机关。")
    audit_personal_data_opened(request, notice.case, f"打开告知书：{notice.title}")
    return render(
        request,
        "inforequests/notice.html",
        {
            "notice": notice,
            "case": notice.case,
            "column": STAFF_COLUMN,
            "crumbs": _staff_crumbs(
                (notice.case.number, reverse("inforequests:staff_case", args=[notice.case_id])), (notice.title, None)
            ),
        },
    )


@never_cache
@case_staff_required("view_case")
def staff_notice_pdf(request, pk):
    from .pdf import notice_pdf

    notice = (
        Notice.objects.select_related("case__agency").filter(pk=pk, case__in=selectors.cases_for(request.user)).first()
    )
    if notice is None:
        raise Http404("告知书不存在或不属于您的机关。")
    audit_personal_data_opened(request, notice.case, f"打开告知书PDF：{notice.title}")
    response = HttpResponse(notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.case.number}-{notice.pk}.pdf"'
    return response


@never_cache
@case_staff_required("add_case")
@require_http_methods(["GET", "POST"])
def staff_new(request):
    form = forms.StaffEntryForm(request.POST or None, agencies=selectors.staff_agencies(request.user))
    crumbs = _staff_crumbs(("登记申请", None))
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        # A submission token, as on the applicant's confirmation page: a double click or the
        # form sent again registers one case.
        pending, token, entry = _submitted(request, form)
        if entry is None:
            form.add_error(None, "页面已过期，申请尚未登记。请核对后再次点击“登记并生成回执”。")
            status = 409
        elif "sent" in entry:
            return _sent_before(request, entry, crumbs)
        else:
            try:
                return _register_once(
                    request,
                    form,
                    pending,
                    token,
                    entry,
                    channel=form.cleaned_data["channel"],
                    received_on=form.cleaned_data["received_on"],
                    user=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
    return render(
        request,
        "inforequests/staff/new.html",
        {"form": form, "submission": _new_submission(request), "column": STAFF_COLUMN, "crumbs": crumbs},
        status=status,
    )


@never_cache
@case_staff_required("view_case")
def staff_report(request):
    """年报 table 三 for the staff member's agencies (or the district)."""
    form = forms.ReportForm(request.GET or None, agencies=selectors.staff_agencies(request.user))
    if form.is_bound and not form.is_valid():
        return bad_request_page(request, "年度或机关无效", labelled_errors(form))
    data = form.cleaned_data if form.is_bound else {}
    year = data.get("year") or timezone.localdate().year - 1
    cases = selectors.cases_for(request.user)
    if data.get("agency"):
        cases = cases.filter(agency=data["agency"])
    return render(
        request,
        "inforequests/staff/report.html",
        {
            "form": form,
            "report": selectors.annual_report(cases=cases, year=year),
            "column": STAFF_COLUMN,
            "crumbs": _staff_crumbs(("年报表三", None)),
        },
    )
