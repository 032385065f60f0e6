from django import forms

from core.concurrency import VersionedModelForm

from .document_numbers import normalize_document_number
from .models import DisclosureRecord


class DisclosureRecordAdminForm(VersionedModelForm):
    class Meta:
        model = DisclosureRecord
        fields = "__all__"
        widgets = {"body": forms.Textarea(attrs={"rows": 20}), "summary": forms.Textarea(attrs={"rows": 3})}

    def clean_document_number(self):
        # Normalize look-alikes before the model validator sees them, so [2018] is accepted.
        return normalize_document_number(self.cleaned_data.get("document_number", ""))
