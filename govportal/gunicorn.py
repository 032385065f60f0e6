"""gunicorn settings shared by `make run` and production (`--config python:govportal.gunicorn`).

The access log names the method, the path, the status, the size and the time, never the query
string nor the Referer: a staff search for a member's phone (`?q=139…`) or a citizen's search
for their own name travels in them, and personal data is never logged. gunicorn's error log
names the request too ("Error handling request GET /search/?q=…", "Invalid request from ip=…:
Invalid HTTP request line: '…'"): its messages lose the query string the same way."""

import logging
import re

from gunicorn.glogging import Logger as _GunicornLogger

# As production runs it (docs/deployment.md): a CSV export of the whole catalogue streams, and
# an import's upload is read in its request, for longer than gunicorn's default 30 s.
timeout = 300

access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

_QUERY_STRING = re.compile(r"\?[^\s'\"]*")


class _NoQueryStrings(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = _QUERY_STRING.sub("", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_NO_QUERY_STRINGS = _NoQueryStrings()


class Logger(_GunicornLogger):
    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_NO_QUERY_STRINGS)  # once: the same filter object on a reload


logger_class = "govportal.gunicorn.Logger"
