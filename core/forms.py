"""Form fields every app can use."""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    """The options in one query: Django's iterator() opens a server-side cursor on PostgreSQL
    (DECLARE … WITH HOLD, FETCH, CLOSE) — three round trips for a few dozen options."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a short list (agencies, sessions, levels)."""

    iterator = ListedChoiceIterator
