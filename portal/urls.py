from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sitemap/", views.sitemap_page, name="sitemap"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("preferences/", views.preferences, name="preferences"),
    path("site-images/<str:name>", views.site_image, name="site_image"),
]
