from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("lookup/", views.lookup, name="lookup"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<id:session_id>/", views.statistics, name="session_statistics"),
    path("members/<id:pk>/", views.member_detail, name="member"),
    path("mine/", views.mine, name="mine"),
    path("replies/<id:pk>/feedback/", views.feedback, name="feedback"),
    path("<id:session_id>/<text:number>/", views.proposal_detail, name="detail"),
]
