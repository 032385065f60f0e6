from django import forms

from core.dates import FIRST_YEAR, LAST_YEAR
from core.forms import TypedDateField
from disclosures.models import DisclosureRecord, Organization, Topic

from .query import MAX_QUERY_LENGTH, QueryError, parse_query
from .registry import source_labels
from .selectors import SORTS, SearchFilters

INVALID_CHOICE = "没有这个选项（链接可能已过期），再次检索时不再使用这个条件。"


class SearchForm(forms.Form):
    error_title = "检索条件有误，请修改"  # the <title>'s first words when it comes back with errors
    q = forms.CharField(
        label="检索词",
        required=False,
        strip=False,
        # As help text, Django points the box's aria-describedby at it (id_q_helptext), so screen
        # readers announce the examples with the box, and the error after them when there is one.
        help_text="可输入标题或正文中的字词、索引号、文号（如 官办通〔2020〕26号）或“第102114号提案”；多个词用空格分开。",
        widget=forms.TextInput(attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH, "autocomplete": "off"}),
    )
    type = forms.ChoiceField(label="类型", required=False)
    publisher = forms.ModelChoiceField(label="发布机构", queryset=Organization.objects.all(), required=False)
    topic = forms.ModelChoiceField(label="主题分类", queryset=Topic.objects.all(), required=False)
    year = forms.IntegerField(label="年份", required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    validity = forms.ChoiceField(
        label="有效性", required=False, choices=[("", "全部")] + list(DisclosureRecord.Validity.choices)
    )
    # A text box in a browser without a date picker: a date typed with an input method is read.
    date_from = TypedDateField(label="发布日期从", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = TypedDateField(label="发布日期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label="排序", required=False, choices=list(SORTS.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "全部")] + list(source_labels().items())
        # parse_query explains control characters (NUL included) in the reader's terms.
        self.fields["q"].validators = []
        # These come from links, not from a field on the page. Django's message for a value not
        # on the list repeats it, which let a crafted link write any sentence in the error box.
        for name in ("type", "publisher", "topic", "validity", "sort"):
            self.fields[name].error_messages["invalid_choice"] = INVALID_CHOICE
        # The year is a link's too (年份 facet): one out of range is a choice not on the list.
        for code in ("invalid", "min_value", "max_value"):
            self.fields["year"].error_messages[code] = INVALID_CHOICE
        self.parsed_query = None

    def clean_q(self):
        raw = self.cleaned_data.get("q") or ""
        if raw.strip():
            try:
                self.parsed_query = parse_query(raw)
            except QueryError as error:
                raise forms.ValidationError(str(error), code="query") from error
        return raw.strip()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data

    @property
    def filters(self) -> SearchFilters:
        data = self.cleaned_data
        return SearchFilters(
            type=data.get("type") or "",
            publisher=data.get("publisher"),
            topic=data.get("topic"),
            year=data.get("year"),
            validity=data.get("validity") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    @property
    def sort_order(self) -> str:
        return self.cleaned_data.get("sort") or "relevance"

    @property
    def has_filters(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields if name not in ("q", "sort"))
