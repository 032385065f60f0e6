from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("annualreports/_reminders.html", takes_context=True)
def annual_report_reminders(context):
    """From 1 January, the staff member's agencies whose report for last year is not published."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"reminders": selectors.reports_due(user) if user is not None and user.is_authenticated else []}
