"""Two staff (or a staff member and a cron command) acting on the same object at the same
moment, on PostgreSQL with two real connections: the other one acts in a thread of its own,
started at the worst moment of ours (a step of ours patched with `before`)."""

import functools
import threading

from django.db import connection


class Meanwhile:
    """Another connection's action. `act()` starts it and gives it a few seconds: enough to
    finish, unless a lock of ours holds it back until we commit. `done()` waits for it and
    returns what it returned (or raises what it raised)."""

    def __init__(self, action):
        self.result = self.error = None
        self.held = False  # whether it was still waiting when ours went on
        self.thread = threading.Thread(target=self._run, args=(action,))

    def _run(self, action):
        try:
            self.result = action()
        except Exception as error:  # raised again in the test's thread by done()
            self.error = error
        finally:
            connection.close()

    def act(self, held=3):
        if not self.thread.is_alive() and self.thread.ident is None:
            self.thread.start()
            self.thread.join(timeout=held)
            self.held = self.thread.is_alive()

    def done(self):
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the other connection is still waiting"
        if self.error is not None:
            raise self.error
        return self.result


def before(monkeypatch, owner, name, meanwhile: Meanwhile):
    """Let `meanwhile` act just before our first call of `owner.name`."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def patched(*args, **kwargs):
        meanwhile.act()
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, patched)
