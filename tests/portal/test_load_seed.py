import pytest
from django.conf import settings
from django.core.management import call_command

from disclosures.models import DisclosureRecord
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def test_the_paths_given_are_the_only_fixtures_loaded():
    fixtures = settings.BASE_DIR / "fixtures"
    call_command("load_seed", str(fixtures / "005_site.json"), str(fixtures / "010_disclosures.json"), verbosity=0)
    assert DisclosureRecord.objects.exists()
    assert not Proposal.objects.exists()  # 020_proposals.json was not named
    call_command("load_seed", verbosity=0)  # no paths: every fixture
    assert Proposal.objects.exists()
