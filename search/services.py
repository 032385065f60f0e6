"""Writes to the search index: one document per public item, kept in step with its source."""

import logging
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from .models import SearchDocument
from .registry import Document, SearchSource, source_get, sources
from .tokenizer import MAX_INDEXED_CHARS, pinyin_tokens, squeeze, token_string

logger = logging.getLogger(__name__)
SYNC_CHUNK = 500


def _squeezed_lines(texts) -> list[str]:
    # Each text cut where `tokens` cuts it: a phrase found in these lines is then always in
    # the full-text index too (search.backends.TokenMatch relies on it).
    lines = (squeeze(line) for text in texts for line in (text or "")[:MAX_INDEXED_CHARS].splitlines())
    return [line for line in lines if line]


def document_tokens(*, title: str, field_values, keyword_values, body: str) -> dict:
    """The token columns of a document, from its title, title-weight fields (文号 …), keyword
    fields and body: what the full-text index holds (also used by migrations that re-tokenize)."""
    return {
        # The title's pinyin too (shequzhili, sqzl), for readers who type pinyin on a phone.
        "title_tokens": " ".join([token_string(title, *field_values), *pinyin_tokens(title)]),
        "keyword_tokens": token_string(*keyword_values),
        "body_tokens": token_string(body),
    }


def document_fields(*, document: Document) -> dict:
    """The stored columns for one document: display fields plus the derived search columns."""
    labelled = [[label, value] for label, value in document.fields if value]
    extra = [[label, value] for label, value in document.extra if value]
    body = (document.body or "")[:MAX_INDEXED_CHARS]
    title_parts = [document.title] + [value for _, value in labelled]
    keyword_parts = [value for _, value in extra]
    body_parts = keyword_parts + [body]
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
        **document_tokens(
            title=document.title,
            field_values=[value for _, value in labelled],
            keyword_values=keyword_parts,
            body=body,
        ),
        # One line per field or paragraph, so a verbatim match never spans two of them.
        "search_title": "\n".join(title_lines),
        "search_text": "\n".join(title_lines + _squeezed_lines(body_parts)),
    }


def _document_row(source: SearchSource, item) -> SearchDocument | None:
    document = source.document(item)
    if document is None or document.published_at is None:
        return None
    return SearchDocument(source=source.key, object_id=item.pk, **document_fields(document=document))


def documents_sync(*, source: SearchSource, pks) -> int:
    """Index the given items of `source` that belong in the index (published or scheduled)
    and remove the others: one read, one delete, one insert however many there are."""
    pks = list(dict.fromkeys(pks))
    if not pks:
        return 0
    items = source.indexable().filter(pk__in=pks)
    documents = [row for item in items if (row := _document_row(source, item)) is not None]
    SearchDocument.objects.filter(source=source.key, object_id__in=pks).delete()
    SearchDocument.objects.bulk_create(documents)
    return len(documents)


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
                count += documents_sync(source=source, pks=[instance.pk])
        for dependency, affected in source.dependencies.items():
            if issubclass(model, dependency):
                # In chunks: renaming a publisher may touch every record it ever published.
                pks = affected(instance).values_list("pk", flat=True).iterator(chunk_size=SYNC_CHUNK)
                while chunk := list(islice(pks, SYNC_CHUNK)):
                    count += documents_sync(source=source, pks=chunk)
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
            row = _document_row(source, item)
            if row is None:
                continue
            batch.append(row)
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
