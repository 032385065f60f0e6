"""The site's identity (its name and contacts) as portal keeps it in SiteSettings, for apps
below portal (feeds, notices) that must name the site without importing portal."""

_provider = {"current": None}


def register_site_settings(current):
    """`current()` returns the site's settings object (portal registers SiteSettings.current)."""
    _provider["current"] = current


def site_settings():
    return _provider["current"]()
