"""gunicorn settings shared by `make run` and production (`--config python:govportal.gunicorn`).

The access log names the method, the path, the status, the size and the time, never the query
string nor the Referer: a staff search for a member's phone (`?q=139…`) or a citizen's search
for their own name travels in them, and personal data is never logged."""

access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
