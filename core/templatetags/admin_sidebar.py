"""{% nav_sidebar %}: the admin's navigation sidebar (admin/nav_sidebar.html), rendered once for
each thing it can show and kept in the process. It lists every model a staff member may see,
a quarter of a changelist's rendering, and is the same on every page but for which entry is the
current one: the key is everything the template reads (the language, each app's and model's
name, links and permissions, and which of them the current path is in), so a staff member
with other permissions, or another page, gets its own copy."""

from django import template
from django.template.defaultfilters import urlencode
from django.utils.translation import get_language

register = template.Library()

# Rendered sidebars by key; few keys exist (roles × current model), the bound is a safeguard.
_RENDERED = {}
MAX_RENDERED = 512


def sidebar_key(available_apps, path):
    path = urlencode(path)
    key = [get_language()]
    for app in available_apps or ():
        key.append((str(app["name"]), app["app_label"], app["app_url"], app["app_url"] in path))
        for model in app["models"]:
            url = model.get("admin_url")
            key.append(
                (str(model["name"]), model["object_name"], url, model.get("add_url"), model.get("view_only"))
                + (bool(url) and url in path,)
            )
    return tuple(key)


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    key = sidebar_key(context.get("available_apps"), context["request"].path)
    html = _RENDERED.get(key)
    if html is None:
        if len(_RENDERED) >= MAX_RENDERED:
            _RENDERED.clear()
        html = _RENDERED[key] = context.template.engine.get_template("admin/nav_sidebar.html").render(context)
    return html
