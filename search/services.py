"""Writes to the search index: one document per public item, kept in step with its source."""

import logging

from django.db import connection, transaction
from django.utils import timezone

from .models import SearchDocument
from .registry import Document, SearchSource, source_get, sources
from .tokenizer import MAX_INDEXED_CHARS, squeeze, token_string

logger = logging.getLogger(__name__)


def _squeezed_lines(texts) -> list[str]:
    lines = (squeeze(line) for text in texts for line in (text or "").splitlines())
    return [line for line in lines if line]


def document_fields(*, document: Document) -> dict:
    """The stored columns for one document: display fields plus the derived search columns."""
    labelled = [[label, value] for label, value in document.fields if value]
    extra = [[label, value] for label, value in document.extra if value]
    body = (document.body or "")[:MAX_INDEXED_CHARS]
    title_parts = [document.title] + [value for _, value in labelled]
    body_parts = [value for _, value in extra] + [body]
    title_lines = _squeezed_lines(title_parts)
    return {
        "title": document.title[:500],
        "url": document.url,
        "fields": labelled,
        "extra": extra,
        "body_text": body,
        "publisher": document.publisher,
        "topic": document.topic,
        "validity": document.validity or "",
        "record": document.record,
        "published_at": document.published_at,
        "year": timezone.localtime(document.published_at).year,
        "title_tokens": token_string(*title_parts),
        "body_tokens": token_string(*body_parts),
        # One line per field or paragraph, so a verbatim match never spans two of them.
        "search_title": "\n".join(title_lines),
        "search_text": "\n".join(title_lines + _squeezed_lines(body_parts)),
    }


def document_sync(*, source: SearchSource, pk) -> SearchDocument | None:
    """Index the item if it belongs in the index (published or scheduled), else remove it."""
    item = source.indexable().filter(pk=pk).first()
    document = source.document(item) if item is not None else None
    if document is None or document.published_at is None:
        SearchDocument.objects.filter(source=source.key, object_id=pk).delete()
        return None
    doc, _ = SearchDocument.objects.update_or_create(
        source=source.key, object_id=pk, defaults=document_fields(document=document)
    )
    return doc


def document_remove(*, source: SearchSource, pk) -> None:
    SearchDocument.objects.filter(source=source.key, object_id=pk).delete()


def documents_sync_for(*, instance, deleted: bool = False) -> int:
    """Refresh every document that `instance` (a source item or something it depends on) affects."""
    count = 0
    model = type(instance)
    for source in sources():
        if issubclass(model, source.model):
            if deleted:
                document_remove(source=source, pk=instance.pk)
            else:
                document_sync(source=source, pk=instance.pk)
            count += 1
        for dependency, affected in source.dependencies.items():
            if issubclass(model, dependency):
                for item in affected(instance):
                    document_sync(source=source, pk=item.pk)
                    count += 1
    return count


@transaction.atomic
def index_rebuild(*, keys=None, batch_size: int = 500) -> dict[str, int]:
    """Rebuild the documents of the given sources (default: all) in one transaction,
    so searches see the old index until the new one is complete."""
    selected = [source_get(key) for key in keys] if keys else sources()
    if keys is None:
        # Documents of content types that are no longer registered would never update again.
        SearchDocument.objects.exclude(source__in=[s.key for s in selected]).delete()
    counts = {}
    for source in selected:
        if source is None:
            continue
        SearchDocument.objects.filter(source=source.key).delete()
        batch, total = [], 0
        for item in source.indexable().iterator(chunk_size=batch_size):
            document = source.document(item)
            if document is None or document.published_at is None:
                continue
            batch.append(SearchDocument(source=source.key, object_id=item.pk, **document_fields(document=document)))
            if len(batch) >= batch_size:
                SearchDocument.objects.bulk_create(batch)
                total += len(batch)
                batch = []
        if batch:
            SearchDocument.objects.bulk_create(batch)
            total += len(batch)
        counts[source.key] = total
    # Fresh statistics, so the planner knows the index is selective (PostgreSQL would
    # otherwise plan a sequential scan until autovacuum's next ANALYZE).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SearchDocument._meta.db_table}")
    logger.info("search index rebuilt: %s", counts)
    return counts
