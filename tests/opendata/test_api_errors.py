"""The API's refusals name the parameter and what it takes, and never quote the value sent: a
value may be anything a person typed (a phone number, a name, script), and an answer that echoes
it puts it in whatever stores or shows API answers. Every documented parameter of every endpoint,
sent values that each error path refuses (wrong type, out of range, unknown choice, impossible
date, bad cursor, too long, control characters, bytes that are no UTF-8); none is a 500."""

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.django_db

PHONE, NAME, SCRIPT = "13800138000", "张三丰", "<script>alert(1)</script>"
PERSONAL = PHONE + NAME + SCRIPT
TELLTALES = [PHONE, NAME, "<script", "alert(1)", "\ufffd"]

# Raw query-string values (already percent-encoded), each refused somewhere.
VALUES = {
    "typed": quote(PERSONAL),
    "number and more": quote("2024" + PHONE),
    "full-width digits and more": quote("２０２４" + NAME),
    "impossible date": quote("2024-02-30" + NAME),
    "too long": quote(PERSONAL * 40),
    "control character": "%00" + quote(PERSONAL),
    "not UTF-8": "%FF%FE" + quote(PERSONAL),
    "not UTF-8 alone": "%C3%28" + PHONE,
}


def parameters(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        if "{" in path:
            continue
        query = [p for p in item["get"]["parameters"] if p["in"] == "query"]
        required = {p["name"]: quote("社区") for p in query if p["required"]}
        for parameter in query:
            yield path, required, parameter


def says_what_is_allowed(name, rule, message):
    if name not in message:
        return False
    if "enum" in rule:
        return all(value in message for value in rule["enum"])
    if rule["type"] == "integer":
        return f"{rule['minimum']}～{rule['maximum']}" in message
    if rule.get("format") == "date":
        return "YYYY-MM-DD" in message
    return str(rule["maxLength"]) in message


def test_no_refusal_quotes_the_value_sent_or_is_a_server_error(client, seed):
    echoed, unclear, refused = [], [], 0
    for path, required, parameter in parameters(client):
        name, rule = parameter["name"], parameter["schema"]
        for label, raw in VALUES.items():
            query = "&".join(f"{key}={value}" for key, value in {**required, name: raw}.items())
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (path, name, label)
            if response.status_code == 200:
                continue  # a text filter that matched nothing
            assert response.status_code in (400, 422), (path, name, label, response.status_code)
            assert response["Content-Type"].startswith("application/json"), (path, name, label)
            refused += 1
            body = response.content.decode()
            echoed += [f"{path} {name} ({label}): {body[:200]}" for telltale in TELLTALES if telltale in body][:1]
            detail = response.json()["detail"]
            if response.status_code == 422:
                # Each problem with this parameter names it and says what it takes.
                mine = [problem["msg"] for problem in detail if problem["loc"] == ["query", name]]
                assert mine, (path, name, label, detail)
                unclear += [
                    f"{path} {name} ({label}): {msg}" for msg in mine if not says_what_is_allowed(name, rule, msg)
                ]
            elif name not in detail:
                unclear.append(f"{path} {name} ({label}): {detail}")
    assert refused > 100
    assert echoed == []
    assert unclear == []


def test_a_record_that_is_not_there_is_not_quoted_either(client, seed):
    for raw in (quote(PERSONAL), "%FF%FE" + PHONE, quote(NAME) + "%00"):
        response = client.get(f"/api/v1/records/{raw}")
        assert response.status_code == 404
        body = response.content.decode()
        assert not [telltale for telltale in TELLTALES if telltale in body], body
