from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("", views.index, name="index"),
    path("data/", views.fact_list, name="fact_list"),
    path("data.csv", views.facts_csv, name="facts_csv"),
    path("data.json", views.facts_json, name="facts_json"),
    path("streets/<id:pk>/", views.street_detail, name="street_detail"),
    path("programs/", views.program_list, name="program_list"),
    path("programs/<slug:slug>/", views.program_detail, name="program_detail"),
    path("metrics/<slug:slug>/", views.metric_detail, name="metric_detail"),
]
