"""A governance fact as data, in one place: the API's typed record (`fact_record`) and the
flat row of the downloads (`exports.fact_row`, for CSV and /communities/data.json), which is
the same record with its source flattened and its codes spelled out for spreadsheet readers."""


def fact_record(fact, *, absolute_url) -> dict:
    record = fact.source_record
    return {
        "id": fact.pk,
        "metric": fact.metric.slug,
        "metric_name": fact.metric.name,
        "category": fact.category,
        "value": float(fact.value),
        "unit": fact.unit,
        "approximation": fact.approximation,
        "display_value": fact.display_value,
        "figure_text": fact.figure_text,
        "period": fact.period,
        "period_end": fact.period_end,
        "scope": fact.scope,
        "place": fact.scope_label,
        "sentence": fact.sentence,
        "source": {
            "index_number": record.index_number,
            "title": record.title,
            "published_at": record.published_at,
            "url": absolute_url(fact.source_url),
        },
        "url": absolute_url(f"{fact.metric.get_absolute_url()}#row-{fact.anchor}"),
    }
