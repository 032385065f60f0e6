from django.urls import path

from .framework import OPERATIONS, openapi_document, read_only


@read_only
def openapi_json(request):
    return openapi_document(base=request.path.removesuffix("openapi.json"))


# Included by opendata/urls.py at /api/v1/ under the namespace "api-v1".
urlpatterns = [
    path("openapi.json", openapi_json, name="openapi-json"),
    *(path(op.route, op.view, name=op.view.__name__) for op in OPERATIONS),
]
