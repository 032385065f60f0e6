"""What the communities app adds to other apps: a highlighted sentence and a panel on the
disclosure record page, and the 社区治理 section of the navigation."""

from django.template.loader import render_to_string

from core.navigation import register_section
from core.roles import register_role_models
from core.sitemaps import register_sitemap
from disclosures.registry import register_body_transformer, register_record_panel

from . import selectors
from .citations import highlight_sentence
from .sitemaps import CommunitiesSitemap

register_section(
    title="社区治理",
    url_name="communities:index",
    position=40,
    children=[
        ("社区治理数据总览", "communities:index"),
        ("全部社区治理数据", "communities:fact_list"),
        ("城乡社区治理试点与协商点位", "communities:program_list"),
    ],
)


@register_body_transformer
def highlight_cited_sentence(record, body, params):
    """`?cite=fact-12` marks the sentence fact 12 quotes, so the link lands on it (#fact-12)."""
    citation = selectors.citation_get(anchor=params.get("cite", ""), record=record)
    if citation is None:
        return None
    emphasis = getattr(citation, "figure_text", "")
    return highlight_sentence(body, sentence=citation.sentence, anchor=citation.anchor, emphasis=emphasis)


@register_record_panel
def facts_quoted_from_record(record):
    metrics = selectors.metrics_quoted_from(record=record)
    if not metrics:
        return None
    return render_to_string("communities/record_panel.html", {"metrics": metrics})


register_role_models(
    "communities",
    content=["fact", "designation", "street", "community"],
    reference=["metric", "program"],
    reviewer_extra=["delete_fact", "delete_designation"],
)

register_sitemap("communities", CommunitiesSitemap)
