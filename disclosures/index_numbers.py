"""索引号 allocation from a configurable pattern.

Placeholders: {org_code} (9 characters), {YYYY}, {YYYYMM}, {YYYYMMDD}, {serial[:0Nd]}.
The serial counts per prefix (everything before {serial}), so the Kunming default
`{org_code}-{YYYYMM}-{serial:06d}` counts per publisher per month and the national
`{org_code}/{YYYY}-{serial:05d}` per publisher per year."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import DisclosureRecord, IndexSerial

SERIAL = re.compile(r"\{serial(?::[^}]*)?\}")


class IndexNumberError(Exception):
    pass


def _render(pattern: str, *, org_code: str, when, serial: int) -> str:
    return pattern.format(
        org_code=org_code, YYYY=f"{when:%Y}", YYYYMM=f"{when:%Y%m}", YYYYMMDD=f"{when:%Y%m%d}", serial=serial
    )


def index_prefix(pattern: str, *, org_code: str, when) -> str:
    head = SERIAL.split(pattern, maxsplit=1)[0]
    return head.format(org_code=org_code, YYYY=f"{when:%Y}", YYYYMM=f"{when:%Y%m}", YYYYMMDD=f"{when:%Y%m%d}")


def _next_serial(prefix: str) -> int:
    """Increment the counter for `prefix` under a row lock (SELECT … FOR UPDATE)."""
    for _ in range(3):
        try:
            with transaction.atomic():
                counter = IndexSerial.objects.select_for_update().filter(prefix=prefix).first()
                if counter is None:
                    counter = IndexSerial.objects.create(prefix=prefix, last_value=0)
                    counter = IndexSerial.objects.select_for_update().get(pk=counter.pk)
                counter.last_value += 1
                counter.save(update_fields=["last_value"])
                return counter.last_value
        except IntegrityError:
            # Two first publishers created the counter at once; the loser retries and locks it.
            continue
    raise IndexNumberError(f"无法为前缀 {prefix} 分配流水号")


def allocate_index_number(record: DisclosureRecord, when) -> str:
    pattern = settings.DISCLOSURE_INDEX_PATTERN
    org_code = record.publisher.index_code
    if not org_code:
        raise IndexNumberError(f"发布机构“{record.publisher}”没有组织机构代码或统一社会信用代码，无法生成索引号。")
    prefix = index_prefix(pattern, org_code=org_code, when=when)
    while True:
        candidate = _render(pattern, org_code=org_code, when=when, serial=_next_serial(prefix))
        # Imported records keep their own numbers; skip any serial they already occupy.
        if not DisclosureRecord.objects.filter(index_number=candidate).exists():
            return candidate
