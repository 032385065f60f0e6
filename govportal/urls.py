from django.contrib import admin
from django.urls import include, path

from agencies import views as agencies_views
from core.health import health
from disclosures import views as disclosures_views

admin.site.site_header = "政府信息公开管理"
admin.site.site_title = "政府信息公开管理"
admin.site.index_title = "内容管理"

urlpatterns = [
    # For the load balancer and the availability monitor (docs/operations.md): plain HTTP too.
    path("healthz", health, name="health"),
    # Staff only, under /admin/ so the page cache never keeps it.
    path("admin/self-check/", agencies_views.self_check, name="self_check"),
    path("admin/rich-text/clean/", disclosures_views.rich_text_clean, name="rich_text_clean"),
    path("admin/", admin.site.urls),
    # Committee members sign in here (accounts created by staff; no sign-up).
    path("accounts/", include("proposals.account_urls")),
    path("accounts/", include("security.urls")),  # two-step sign-in, idle-timeout warning
    path("disclosures/apply/", include("inforequests.urls")),
    # 法定主动公开内容 of the site's 政府信息公开 column: the 本级政府's section page.
    path("disclosures/statutory/", agencies_views.district_statutory, name="statutory"),
    path("disclosures/", include("disclosures.urls")),
    # 政府信息公开 of each agency (公开单位): /gk/<section_code>/
    path("gk/", include("agencies.urls")),
    path("annual-reports/", include("annualreports.urls")),
    path("proposals/", include("proposals.urls")),
    path("communities/", include("communities.urls")),
    path("search/", include("search.urls")),
    # /feeds/, /api/v1/, /sitemap.xml, /robots.txt
    path("", include("opendata.urls")),
    path("", include("portal.urls")),
]

handler400 = "portal.errors.handler400"
handler403 = "portal.errors.handler403"
handler404 = "portal.errors.handler404"
handler500 = "portal.errors.handler500"
