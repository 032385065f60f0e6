from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.charts import bar_chart
from core.http import bad_request_page, is_reader_replay, labelled_errors, numbered_page, replayed_form
from core.pages import Problem, in_section, render_page
from core.rendering import keep_response

from . import selectors, services
from .forms import FeedbackForm, LookupForm

PAGE_SIZE = 20
SECTION = "建议提案办理"
LIST_TAGS = {"type": "信息公开目录", "description": "人大代表建议和政协委员提案办理复文"}


def _page(*trail, **tags):
    return in_section(SECTION, "proposals:list", *trail, **tags)


def _forbidden(request, message):
    return render_page(
        request, "proposals/forbidden.html", _page(("无权操作", None), name=SECTION), {"message": message}, status=403
    )


@keep_response
def proposal_list(request):
    filterset = selectors.proposal_list(filters=request.GET)
    if not filterset.is_valid():
        return bad_request_page(request, "筛选条件无效", labelled_errors(filterset.form), page_name=SECTION)
    return render_page(
        request,
        "proposals/list.html",
        _page(**LIST_TAGS),
        {
            "filterset": filterset,
            **numbered_page(request, filterset.qs, PAGE_SIZE),
        },
    )


def _member(request):
    """The signed-in member, if any: looked up once per request, when the page is rendered."""
    if not hasattr(request, "proposals_member"):
        request.proposals_member = selectors.member_for_user(request.user)
    return request.proposals_member


def _reader(request):
    """Whose page: a signed-in member's proposals show letters not yet published and their own
    feedback, so each member's pages are kept apart from everyone else's (core.rendering).
    Only the member's id: a kept page is served without reading the member."""
    member_id = selectors.member_id_for_user(request.user)
    return f"member-{member_id}" if member_id is not None else ""


@keep_response(per=_reader)
def proposal_detail(request, session_id, number):
    member = _member(request)
    proposal = selectors.proposal_get(session_id=session_id, number=number, member=member)
    replies = proposal.visible_replies
    published = [reply for reply in replies if reply.is_public]
    latest = replies[-1] if replies else None
    first = next((reply for reply in replies if not reply.is_rehandling), None)
    redo = next((reply for reply in replies if reply.is_rehandling), None)
    return render_page(
        request,
        "proposals/detail.html",
        _page((proposal.reference, None), name=SECTION, **LIST_TAGS),
        {
            "proposal": proposal,
            "replies": replies,
            "deadline": proposal.deadline_outcome(first_reply_on=first.replied_on if first else None),
            "rehandling_deadline": proposal.rehandling_outcome(reply_on=redo.replied_on if redo else None),
            "first_reply": first,
            "is_own": member is not None and proposal.lead_member_id == member.pk,
            "article": {
                "title": proposal.reference + "：" + proposal.title,
                "pub_date": published[-1].published_at if published else proposal.created_at,
                "source": latest.answering_unit.name
                if latest
                else (proposal.lead_unit.name if proposal.lead_unit else SECTION),
            },
        },
    )


@keep_response
def member_detail(request, pk):
    member = selectors.member_get(pk=pk)
    # Paged: a long-serving member's list grows with every session.
    meta = _page((f"{member.name}{member.assembly.member_title}", None), name=SECTION, type="信息公开目录")
    return render_page(
        request,
        "proposals/member.html",
        meta,
        {
            "member": member,
            **numbered_page(request, selectors.member_proposals(member=member), PAGE_SIZE),
        },
    )


def lookup(request):
    """一号一查. Bad input → the form again with errors (400); unknown → a helpful 404."""
    sessions = selectors.sessions_for_lookup()
    meta = _page(("一号一查", None), type="信息公开目录")
    if not request.GET:
        return render_page(request, "proposals/lookup.html", meta, {"form": LookupForm(sessions=sessions)})
    form = LookupForm(request.GET, sessions=sessions)
    if not form.is_valid():
        return render_page(request, "proposals/lookup.html", meta, {"form": form}, status=400)
    session, number = form.cleaned_data["session"], form.cleaned_data["number"]
    proposal = selectors.proposal_find(session=session, number=number)
    if proposal is None:
        listed = reverse("proposals:list")
        problem = Problem(
            f"未找到{session.full_name}第{number}号建议提案",
            "请核对届次和编号（编号见答复函标题，如“第102114号”）。也可以：",
            (("浏览该届次的全部建议提案", f"{listed}?session={session.pk}"), ("按代表委员姓名筛选", listed)),
        )
        return render_page(request, "proposals/lookup.html", meta, {"form": form, "problem": problem}, status=404)
    return redirect(proposal)


@keep_response
def statistics(request, session_id=None):
    sessions = list(selectors.filter_sessions())
    if session_id is None:
        with_data = [s for s in sessions if s.proposal_count]
        if with_data:
            return redirect("proposals:session_statistics", session_id=with_data[0].pk)
        session = None
    else:
        session = next((s for s in sessions if s.pk == session_id), None)
        if session is None:
            raise Http404("届次会议不存在")
    context = {"sessions": sessions, "session": session}
    if session is not None:
        figures = selectors.session_statistics(session=session)
        context["figures"] = figures
        context["category_chart"] = bar_chart(
            chart_id="chart-categories",
            unit="件",
            title=f"{session.full_name}办理结果分类",
            rows=[(f"{category.code}类", count) for category, count, _ in figures.categories],
        )
        context["unit_chart"] = bar_chart(
            chart_id="chart-units",
            unit="%",
            title=f"{session.full_name}各主办单位按期办复率",
            # Short names fit the chart's label column; the table beside it gives full names.
            rows=[(unit.short_name, unit.on_time_rate) for unit in figures.units if unit.on_time_rate is not None],
        )
    return render_page(request, "proposals/statistics.html", _page(("办理情况统计", None), type="数据发布"), context)


def _require_member(request):
    """(member, None) for a signed-in member; otherwise (None, the response to send)."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    member = _member(request)
    if member is None:
        return None, _forbidden(request, "此账号未关联代表委员，不能查看或反馈。请联系办理工作人员。")
    return member, None


# Its sign-out form carries the member's CSRF token: kept for the member's session alone.
@keep_response(per=_reader, own_csrf=True)
def mine(request):
    member, response = _require_member(request)
    if response:
        return response
    # Paged: a long-serving member leads proposals in every session.
    paged = numbered_page(request, selectors.member_dashboard(member=member), PAGE_SIZE)
    paged["page"].object_list = selectors.with_member_feedback(paged["page"].object_list, member=member)
    return render_page(request, "proposals/mine.html", _page(("我的建议提案", None)), {"member": member, **paged})


@require_http_methods(["GET", "POST"])
def feedback(request, pk):
    member, response = _require_member(request)
    if response:
        return response
    reply = selectors.reply_for_feedback(pk=pk)
    if not services.feedback_allowed(reply=reply, member=member):
        if not selectors.reply_is_public(reply=reply):
            raise Http404("没有这份答复。")  # another member's letter not yet public: not even its existence
        return _forbidden(request, "只能对本人领衔的建议提案的答复提出满意度意见。")
    existing = selectors.feedback_of(reply=reply, member=member)
    if is_reader_replay(request):  # back from a preference change (JavaScript off): as typed
        form, status = replayed_form(request, FeedbackForm), 200
        if form.is_bound:  # with the errors it was shown with, still not sent
            form.fields["level"].queryset = selectors.satisfaction_levels()
    elif request.method == "POST":
        form = FeedbackForm(request.POST)
        form.fields["level"].queryset = selectors.satisfaction_levels()
        if form.is_valid():
            try:
                services.feedback_submit(
                    reply=reply,
                    member=member,
                    user=request.user,
                    level=form.cleaned_data["level"],
                    comment=form.cleaned_data["comment"],
                )
            except services.FeedbackClosed as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "满意度意见已提交，谢谢。工作人员确认前您仍可修改。")
                return redirect(reply.proposal)
        status = 400
    else:
        initial = {"level": existing.level_id, "comment": existing.comment} if existing else {}
        form, status = FeedbackForm(initial=initial), 200
    meta = _page((reply.proposal.reference, reply.proposal.get_absolute_url()), ("满意度反馈", None))
    return render_page(
        request,
        "proposals/feedback.html",
        meta,
        {
            "form": form,
            "reply": reply,
            "proposal": reply.proposal,
            "existing": existing,
            # The form is shown (and owns the preference buttons) until staff close the feedback.
            "reader_form": "" if existing and existing.is_closed else "feedback-form",
            "rehandling_labels": "、".join(
                level.label for level in selectors.satisfaction_levels() if level.requires_rehandling
            ),
        },
        status=status,
    )
