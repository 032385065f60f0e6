from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:code>/", views.home, name="home"),
    path("<slug:code>/guide/", views.guide, name="guide"),
    path("<slug:code>/policy/", views.policy, name="policy"),
    path("<slug:code>/catalogue/", views.catalogue, name="catalogue"),
    path("<slug:code>/statutory/", views.statutory, name="statutory"),
    path("<slug:code>/statutory/<id:pk>/", views.column, name="column"),
    path("<slug:code>/annual-reports/", views.annual_reports, name="annual_reports"),
]
