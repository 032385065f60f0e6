"""What a load balancer and an availability monitor ask a node: can it serve readers now?
A 政府网站 fails its yearly check outright when over 5% of a week's probes find it not open
within 15 seconds (docs/operations.md), so the probe must be cheap and say only this: no page
rendered, no session, no cache, nothing counted."""

import logging

from django.db import DatabaseError, connections
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from .db_router import read_alias

logger = logging.getLogger(__name__)


@never_cache
def health(request):
    # The database this request reads, as a reader's would (a replica for an anonymous GET when
    # there are replicas): a node whose primary is away still serves readers from a replica.
    alias = read_alias()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("health: the database %s does not answer: %s", alias, error)
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
