from core.navigation import site_sections
from core.pages import PageMeta

from .models import SiteSettings
from .preferences import CONTRASTS, ReaderPreferences

DEFAULT_PAGE = PageMeta()


def site(request):
    path = request.path
    sections = site_sections()
    return {
        # Called by the template only where used (inside the header fragment, when rendered).
        "request_full_path": request.get_full_path,
        # The header marks the section whose page this is; the header fragment varies on it.
        "nav_current": next((s["url"] for s in sections if s["url"] == path), ""),
        "site": SiteSettings.current(),
        "reader": getattr(request, "reader", ReaderPreferences()),
        "contrasts": CONTRASTS,
        "nav_sections": sections,
        # Views override this; the default keeps the page tags complete on every page.
        "column": DEFAULT_PAGE,
    }
