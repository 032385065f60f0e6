"""The soak's editor: publishes a new record every few seconds through the ordinary service
(索引号, history, page-cache invalidation, search index), as staff do, and reports what it did.

python -m bench.publisher SECONDS EVERY_SECONDS  (prints PUBLISHER {json} at the end)"""

import json
import os
import sys
import time

import django


def main():
    seconds, every = float(sys.argv[1]), float(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govportal.settings.prod")
    django.setup()
    from disclosures import services
    from disclosures.models import DisclosureRecord, Organization, Topic

    publisher, topic = Organization.objects.order_by("pk").first(), Topic.objects.order_by("pk").first()
    published = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            record = DisclosureRecord.objects.create(
                title=f"关于浸泡测试第{published + 1}次发布的通知",
                publisher=publisher,
                topic=topic,
                body="<p>基准测试：浸泡期间每隔几秒发布一条。</p>",
            )
            services.record_publish(record=record)
            published += 1
        except Exception as error:  # counted and reported: the soak's verdict includes it
            errors += 1
            print(f"publish failed: {error!r}", file=sys.stderr)
        time.sleep(max(0.0, every - (time.monotonic() - started)))
    print("PUBLISHER " + json.dumps({"published": published, "errors": errors}))


if __name__ == "__main__":
    main()
