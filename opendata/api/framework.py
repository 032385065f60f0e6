"""The API's own small framework (ADR 0007: plain Django views, for worker memory): errors,
parameters as Django forms, the endpoint decorator, the OpenAPI document and the JSON Schema
helpers. Endpoints live in records.py, replies.py and facts.py; only public items, never drafts,
scheduled or withdrawn records, never members' contact details (docs/open-data.md).

Each endpoint declares its query parameters as Django forms; the same forms validate a request
(422 when they reject it) and describe the parameters in /api/v1/openapi.json, so the schema
cannot drift from what is checked. Response schemas sit beside the functions building the
payloads, and schemathesis holds every response to them (tests/opendata/test_api.py)."""

import dataclasses
import functools
import re
from collections.abc import Callable
from http import HTTPStatus
from types import SimpleNamespace

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.dates import FIRST_YEAR, LAST_YEAR
from core.rendering import keep_response
from core.text import has_control_characters

MAX_ID = 2**63 - 1
DEFAULT_LIMIT, MAX_LIMIT = 20, 100

INFO = {
    "title": "政府信息公开开放数据接口",
    "version": "1.0.0",
    "description": (
        "只读接口：政府信息公开目录、提案答复与社区治理数据。只返回已公开的内容；"
        "列表按发布时间倒序，用 next_cursor 翻页。字段说明见 docs/open-data.md。"
    ),
}


class ApiError(Exception):
    """Answered as {"detail": detail} with `status`: a message, or a list of parameter errors (422)."""

    def __init__(self, detail, status=400):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def json_response(data, status=200):
    # Chinese as characters, not \uXXXX escapes: readable, and a third smaller. Django's encoder
    # writes dates and times as ISO 8601 (UTC as Z, milliseconds), as the API always has.
    return JsonResponse(
        data,
        status=status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )


def read_only(view):
    """GET and HEAD only (405 otherwise, OPTIONS included; no CSRF check, as nothing changes), the
    view's data as JSON, and an ApiError as {"detail": …} with its status. HEAD as well because the
    page cache answers it for a stored page: refusing it here made the answer depend on the cache."""

    @csrf_exempt
    @require_safe
    @keep_response  # kept for one generation per URL: the same for every caller
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return json_response(view(request, *args, **kwargs))
        except ApiError as error:
            return json_response({"detail": error.detail}, status=error.status)

    return wrapper


def checked_text(value: str | None, name: str) -> str | None:
    """Text parameters reach SQL only without control characters (PostgreSQL rejects NUL)."""
    if value is not None and has_control_characters(value):
        raise ApiError(f"参数 {name} 含有控制字符。")
    return value


def filter_values(params, form) -> dict:
    """The cleaned values of `form`'s parameters for a FilterSet's `apply`, text ones checked."""
    values = {name: getattr(params, name) for name in form.base_fields}
    return {name: checked_text(value, name) if isinstance(value, str) else value for name, value in values.items()}


# Query parameters --------------------------------------------------------------------------


class Text(forms.CharField):
    """A text parameter as sent: not stripped, None when absent but "" when empty (`/search?q=`
    is the query parser's 400, not a missing parameter), and control characters left to the
    view, which refuses them with a 400 rather than a 422."""

    def __init__(self, *, required=False, **kwargs):
        super().__init__(required=required, strip=False, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value):
        return value

    def validate(self, value):
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class ApiForm(forms.Form):
    """The query parameters of one endpoint. Absent ones take the field's `initial` (also the
    schema's default); an empty typed one (`?year=`) is an error, not "no filter"."""

    def clean(self):
        for name, field in self.fields.items():
            if self.data.get(name) == "" and not isinstance(field, Text):
                self.add_error(name, forms.ValidationError("参数值不能为空。", code="blank"))
            elif name in self.cleaned_data and self.cleaned_data[name] is None and field.initial is not None:
                self.cleaned_data[name] = field.initial
        return self.cleaned_data


def id_param(help_text):
    return forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text=help_text)


def year_param(help_text):
    return forms.IntegerField(required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR, help_text=help_text)


def date_param(help_text):
    return forms.DateField(required=False, input_formats=["%Y-%m-%d"], help_text=help_text)


LIMIT = forms.IntegerField(
    required=False, min_value=1, max_value=MAX_LIMIT, initial=DEFAULT_LIMIT, help_text="每页条数"
)


class PageParams(ApiForm):
    cursor = Text(max_length=200, help_text="上一页返回的 next_cursor")
    limit = LIMIT


def allowed(field) -> str:
    """What a parameter takes, in words, from its field alone."""
    if isinstance(field, forms.IntegerField):
        return f"{field.min_value}～{field.max_value} 之间的整数"
    if isinstance(field, forms.ChoiceField):
        return "以下之一：" + "、".join(str(value) for value, _label in field.choices)
    if isinstance(field, forms.DateField):
        return "YYYY-MM-DD 格式的日期"
    if isinstance(field, forms.CharField) and field.max_length:
        return f"不超过 {field.max_length} 个字符的文字"
    return "有效的值"


def problem_message(name, field, code) -> str:
    """The parameter's name and what it takes, never the value sent: that may be anything a person
    typed (a phone number, a name, script), and some of Django's messages quote it (a choice's
    "… 不在可用的选项中"), so none of them is used."""
    if code == "required":
        return f"缺少参数 {name}：应为{allowed(field)}。"
    if code == "blank":
        return f"参数 {name} 的值不能为空：应为{allowed(field)}。"
    return f"参数 {name} 的值无效：应为{allowed(field)}。"


def validated(request, query_forms) -> SimpleNamespace:
    """The cleaned parameters of all `query_forms`, or an ApiError listing every problem (422)."""
    bound = [form(request.GET) for form in query_forms]
    problems = [
        {"type": error["code"], "loc": ["query", name], "msg": problem_message(name, form.fields[name], error["code"])}
        for form in bound
        for name, errors in form.errors.get_json_data().items()
        for error in errors
    ]
    if problems:
        raise ApiError(problems, status=422)
    return SimpleNamespace(**{name: value for form in bound for name, value in form.cleaned_data.items()})


# Endpoints and the OpenAPI document --------------------------------------------------------


@dataclasses.dataclass
class Operation:
    route: str  # a Django path pattern under /api/v1/
    view: Callable
    summary: str
    tag: str
    response: dict  # schema of the 200 body
    query: tuple  # ApiForm classes
    errors: tuple  # statuses besides 200


OPERATIONS: list[Operation] = []


def endpoint(route, *, summary, tag, response, query=(), errors=None):
    """A documented read-only endpoint. The view gets the parameters the `query` forms
    validated, as one namespace. `errors` are the statuses it answers besides 200: by default,
    with parameters a request can be unusable (400) or invalid (422); without, neither."""
    if errors is None:
        errors = (400, 422) if query else ()

    def register(view):
        @functools.wraps(view)
        def with_params(request, **kwargs):
            return view(request, validated(request, query), **kwargs) if query else view(request, **kwargs)

        wrapped = read_only(with_params)
        OPERATIONS.append(Operation(route, wrapped, summary, tag, response, query, errors))
        return wrapped

    return register


def _parameter(name, field):
    """A form field as an OpenAPI query parameter, with the limits the field enforces."""
    if isinstance(field, forms.IntegerField):
        schema = {"type": "integer", "minimum": field.min_value, "maximum": field.max_value}
    elif isinstance(field, forms.ChoiceField):
        schema = {"type": "string", "enum": [value for value, _label in field.choices]}
    elif isinstance(field, forms.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, forms.CharField):
        schema = {"type": "string", "maxLength": field.max_length}
    else:
        raise TypeError(f"{name}: no OpenAPI type for {type(field).__name__}")
    schema = {key: value for key, value in schema.items() if value is not None}
    if field.initial is not None:
        schema["default"] = field.initial
    parameter = {"in": "query", "name": name, "required": field.required, "schema": schema}
    if field.help_text:
        parameter["description"] = str(field.help_text)
    return parameter


PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def openapi_document(base):
    paths = {}
    for op in OPERATIONS:
        parameters = [
            {"in": "path", "name": name, "required": True, "schema": STRING}
            for name in PATH_PARAMETER.findall(op.route)
        ]
        parameters += [_parameter(name, field) for form in op.query for name, field in form.base_fields.items()]
        responses = {200: op.response} | {
            code: component("ValidationProblem" if code == 422 else "Problem") for code in op.errors
        }
        paths[base + PATH_PARAMETER.sub(r"{\1}", op.route)] = {
            "get": {
                # django-ninja's operation ids, so clients generated from the schema keep their names
                "operationId": f"search_api_{op.view.__name__}",
                "summary": op.summary,
                "parameters": parameters,
                "responses": {
                    str(code): {
                        "description": HTTPStatus(code).phrase,
                        "content": {"application/json": {"schema": schema}},
                    }
                    for code, schema in responses.items()
                },
                "tags": [op.tag],
            }
        }
    return {"openapi": "3.1.0", "info": INFO, "paths": paths, "components": {"schemas": SCHEMAS}}


# Response schemas (JSON Schema, as OpenAPI 3.1 uses it) --------------------------------------

STRING, INTEGER, NUMBER, BOOLEAN = ({"type": name} for name in ("string", "integer", "number", "boolean"))
DATE, DATETIME = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}


def component(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {"anyOf": [schema, {"type": "null"}]}


def array(schema):
    return {"type": "array", "items": schema}


def enum(values):
    return {"type": "string", "enum": list(values)}


def described(schema, description):
    return {**schema, "description": description}


def struct(**properties):
    return {"type": "object", "properties": properties, "required": list(properties)}


def page_of(name):
    return struct(results=array(component(name)), next_cursor=nullable(STRING), next=nullable(STRING))


SCHEMAS = {
    "Problem": struct(detail=STRING),
    "ValidationProblem": struct(detail=array({"type": "object"})),
}
