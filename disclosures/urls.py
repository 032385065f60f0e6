from django.urls import path

from . import views

app_name = "disclosures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("guide/", views.guide, name="guide"),
    path("policy/", views.policy, name="policy"),
    path("attachments/<id:pk>/", views.attachment_download, name="attachment"),
    path("preview/<id:pk>/", views.record_preview, name="record_preview"),
    # <textpath:> (not <text:>) because the national 索引号 form contains a slash (000014349/2017-00110).
    path("<textpath:index_number>/", views.record_detail, name="record_detail"),
]
