from .models import SiteSettings
from .navigation import site_sections
from .preferences import CONTRASTS, ReaderPreferences


def site(request):
    return {
        "site": SiteSettings.current(),
        "reader": getattr(request, "reader", ReaderPreferences()),
        "contrasts": CONTRASTS,
        "nav_sections": site_sections(),
        # Views override this; the default keeps the page tags complete on every page.
        "column": {"name": "", "type": "其他"},
    }
