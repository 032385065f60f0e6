"""Infrastructure shared by every app, with no domain knowledge: caching, counters, kept
rendering, HTTP and paging helpers, CSV, dates, charts, and the registries through which the
domain apps announce their navigation, roles, demo data, search sources and sitemaps.
It imports no project app (checked by import-linter in .ci/run)."""
