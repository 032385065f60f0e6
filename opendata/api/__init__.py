"""The read-only open-data API under /api/v1/: the framework (framework.py, cursors.py) and
the endpoints, which register themselves in the order the schema lists them."""

# isort: off
from . import records  # noqa: F401  (vocabularies, records, search)
from . import replies  # noqa: F401
from . import facts  # noqa: F401
from .urls import urlpatterns  # noqa: F401
# isort: on
