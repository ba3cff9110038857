"""Bad input at the HTTP level: bodies over the limit answer 413; malformed bodies (bad form
encoding, broken multipart, JSON where a form is expected, a Content-Length that lies), methods a
route does not take, garbage cookies and headers answer 4xx, never 500, and store nothing.

Werkzeug decodes a form leniently (undecodable bytes become U+FFFD, a multipart body it cannot
parse becomes an empty form), so a badly encoded form is an ordinary invalid one: the page comes
back with its errors (or the view's 400) and nothing is stored. What cannot be read at all (a
body shorter than its Content-Length, too many parts, a part too large, JSON) is a 4xx.
"""
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from community.db import db
from tests.factories import PASSWORD
from tests.security.test_authorisation_matrix import MATRIX
from tests.security.world import app_with_world, build_url

MiB = 1024 * 1024
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory, smtp_server):
    """The matrix's world, CSRF off as in the other tests."""
    with app_with_world(tmp_path_factory.mktemp("bad-requests"), smtp_server) as app_and_world:
        yield app_and_world


@pytest.fixture(scope="module")
def deployed_world(shared_world, smtp_server):
    """The same world (the same database and files) served with CSRF on, as deployed."""
    app, world = shared_world
    folder = Path(app.instance_path).parent  # the folder the shared world was built in
    with app_with_world(folder, smtp_server, world, WTF_CSRF_ENABLED=True) as deployed:
        yield deployed


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]] = ()) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type, built here in memory (werkzeug's test
    client would spool a large one to a temporary file that nobody closes once the app refuses
    to read it)."""
    parts = [f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts += [f'--b\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n"
              for name, (filename, data) in dict(files).items()]
    return b"".join(parts) + b"--b--\r\n", "multipart/form-data; boundary=b"


def _snapshot() -> dict[str, list[str]]:
    return {t.name: sorted(map(repr, db.session.execute(select(t)).all())) for t in db.metadata.sorted_tables}


def _client(app, world, viewer: str | None):
    client = app.test_client()
    if viewer is not None:
        response = client.post("/login", data={"email": world[f"email:{viewer}"], "password": PASSWORD})
        assert response.status_code == 302
    return client


def _post_rules(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods})


def _urls(rule: str, world: dict) -> list[str]:
    return [build_url(rule, c, world) for c in MATRIX[("POST", rule)]]


# Size ------------------------------------------------------------------------------------------

def test_the_limit_is_16_mib(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * MiB


@pytest.mark.parametrize("viewer,path", [
    (None, "/login"), (None, "/register"), ("member", "/account"),
    ("member", "/sessions/{session}/polls/{poll}/answer"), ("host", "/notes/preview"),
    ("organiser", "/admin/sessions/{session}/message"),
])
def test_a_form_over_the_limit_answers_413(shared_world, viewer, path):
    app, world = shared_world
    with app.app_context():
        client = _client(app, world, viewer)
        before = _snapshot()
        response = client.post(path.format(**world), data=b"body=" + b"x" * (16 * MiB), content_type=FORM)
        assert response.status_code == 413
        assert "What you sent is larger than we accept." in response.get_data(as_text=True)
        assert _snapshot() == before
        db.session.remove()


def test_a_file_over_the_limit_answers_413(shared_world):
    app, world = shared_world
    with app.app_context():
        client = _client(app, world, "host")
        before = _snapshot()
        body, content_type = multipart({}, {"file": ("big.pdf", b"%PDF-1.4\n" + b"0" * (16 * MiB))})
        response = client.post(f"/notes/{world['note:public']}/attachments", data=body,
                               content_type=content_type)
        assert response.status_code == 413 and _snapshot() == before
        db.session.remove()


@pytest.mark.parametrize("rule", sorted({r for (m, r) in MATRIX if m == "POST"}))
def test_as_deployed_every_post_route_answers_413_to_an_absurd_content_length(deployed_world, rule):
    app, world = deployed_world
    with app.app_context():
        client = app.test_client()
        for url in _urls(rule, world):
            response = client.post(url, data=b"a=b", content_type=FORM,
                                   environ_overrides={"CONTENT_LENGTH": str(10**12)})
            assert response.status_code == 413, url
        db.session.remove()


# Malformed bodies --------------------------------------------------------------------------------

MALFORMED = {
    "undecodable bytes": (b"email=\xff\xfe%ff&password=\xc3&name=\xed\xa0\x80", FORM),
    "broken percent escapes": (b"email=%zz%&password=%&%%%=%", FORM),
    "no key, no value": (b"&&==&=&", FORM),
    "multipart without a boundary": (b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n"
                                     b"a\r\n--x--", "multipart/form-data"),
    "multipart cut short": (b"--x\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\nabc",
                            "multipart/form-data; boundary=x"),
    "multipart with a wrong boundary": (b"--y\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                                        b"b\r\n--y--\r\n", "multipart/form-data; boundary=x"),
    "multipart with a bad part header": (b"--x\r\nContent-Disposition\r\n\r\nb\r\n--x--\r\n",
                                         "multipart/form-data; boundary=x"),
    "a file where text is expected": (b"--x\r\nContent-Disposition: form-data; name=\"email\"; "
                                      b"filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
                                      b"abc\r\n--x--\r\n", "multipart/form-data; boundary=x"),
    "an unknown content type": (b"\x00\x01\x02binary", "application/octet-stream"),
    "text/plain": (b"email=a@example.com", "text/plain"),
}
#: (viewer, path, the text on the page that shows the form came back) for each kind of form.
FORM_PAGES = [(None, "/login", 'name="password"'), (None, "/register", 'name="consent"'),
              (None, "/password/forgot", 'name="email"'), ("member", "/account", 'name="pw-password"'),
              ("organiser", "/admin/sessions/{session}/attendees", 'name="email"'),
              ("organiser", "/admin/series/new", 'name="interval_weeks"'),
              ("host", "/notes/new", 'name="body"'),
              ("host", "/notes/{note}/attachments", 'name="file"')]


@pytest.mark.parametrize("kind", sorted(MALFORMED))
@pytest.mark.parametrize("viewer,path,form_marker", FORM_PAGES)
def test_a_malformed_form_is_refused_and_stores_nothing(shared_world, kind, viewer, path, form_marker):
    app, world = shared_world
    body, content_type = MALFORMED[kind]
    with app.app_context():
        client = _client(app, world, viewer)
        before = _snapshot()
        response = client.post(path.format(**world, note=world["note:public"]), data=body,
                               content_type=content_type)
        page = response.get_data(as_text=True)
        assert 400 <= response.status_code < 500 or (response.status_code == 200 and form_marker in page), \
            response.status_code
        assert _snapshot() == before
        db.session.remove()


@pytest.mark.parametrize("content_length,expected", [("1000", 400), ("abc", None), ("-5", None), ("", None)])
def test_a_content_length_that_lies_is_a_4xx_or_ignored(shared_world, content_length, expected):
    """A body shorter than announced is a 400 (the client went away); a Content-Length that is
    not a number is ignored (no body), which for the login form is the form again."""
    app, world = shared_world
    with app.app_context():
        response = app.test_client().post("/login", data=b"email=a%40example.com&password=x",
                                          content_type=FORM,
                                          environ_overrides={"CONTENT_LENGTH": content_length})
        if expected is None:
            assert response.status_code == 200 and 'name="password"' in response.get_data(as_text=True)
        else:
            assert response.status_code == expected
        db.session.remove()


def test_too_many_form_parts_or_a_part_too_large_answer_413(shared_world):
    """Werkzeug counts multipart parts; an urlencoded body with too many fields is read as no
    form at all, which for the login form is the form again."""
    app, world = shared_world
    with app.app_context():
        client = app.test_client()
        many = "&".join(f"f{i}=v" for i in range(app.config["MAX_FORM_PARTS"] + 1))
        response = client.post("/login", data=f"email=a%40example.com&password=x&{many}", content_type=FORM)
        assert response.status_code in (200, 413) and "Welcome back" not in response.get_data(as_text=True)
        body, content_type = multipart({f"f{i}": "v" for i in range(app.config["MAX_FORM_PARTS"] + 1)})
        assert client.post("/login", data=body, content_type=content_type).status_code == 413
        body, content_type = multipart({"email": "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)})
        assert client.post("/login", data=body, content_type=content_type).status_code == 413
        db.session.remove()


# JSON where a form is expected ----------------------------------------------------------------------

JSON_BODIES = {"invalid": b'{"email": ', "a list": b"[1, 2]", "a string": b'"abc"', "a number": b"42",
               "null": b"null", "odd values": b'{"email": {"a": 1}, "password": [1], "comment": 5, '
                                             b'"subject": null, "option": {"x": 1}, "title": true}'}


@pytest.mark.parametrize("rule", sorted({r for (m, r) in MATRIX if m == "POST"}))
def test_every_post_route_refuses_a_json_body_with_415(shared_world, rule):
    """No page sends JSON (the scripts send FormData); Flask-WTF would read a JSON body as the
    form, with numbers, lists and objects where the fields expect text."""
    app, world = shared_world
    with app.app_context():
        for viewer in (None, "organiser", "host", "member"):
            client = _client(app, world, viewer)
            for url in _urls(rule, world):
                for name, body in JSON_BODIES.items():
                    before = _snapshot()
                    response = client.post(url, data=body, content_type="application/json",
                                           headers={"Accept": "application/json"})
                    assert response.status_code == 415, f"{viewer}: {name} to {url}: {response.status_code}"
                    assert _snapshot() == before, f"{viewer}: {name} to {url} changed rows"
        db.session.remove()


def test_the_json_api_ignores_a_body(shared_world):
    app, world = shared_world
    with app.app_context():
        client = app.test_client()
        for path in ("/api/v1/sessions", "/api/v1/notes", f"/api/v1/notes/{world['note:public']}"):
            response = client.get(path, data=b'{"broken', content_type="application/json")
            assert response.status_code == 200 and response.is_json
        db.session.remove()


# Numbers too large for the database --------------------------------------------------------------

HUGE = [str(2**31), str(2**63), "9" * 30]


def _int_params(rule: str, app) -> list[str]:
    (found,) = [r for r in app.url_map.iter_rules() if r.rule == rule][:1]
    return [name for name, converter in found._converters.items() if isinstance(converter, IntegerConverter)]


def test_an_id_too_large_for_the_database_is_a_404(shared_world):
    """SQLite takes integers up to 2**63 - 1 and PostgreSQL's integer columns up to 2**31 - 1; an
    address with a larger id names nothing that can exist: 404 (werkzeug answers 405 when a rule
    for the same path takes the other method, as /admin/sessions/<id>/attendees does)."""
    app, world = shared_world
    with app.app_context():
        clients = {viewer: _client(app, world, viewer) for viewer in (None, "organiser")}
        checked = 0
        for (method, rule), cases in MATRIX.items():
            for name in _int_params(rule, app):
                for huge in HUGE:
                    c = cases[0]
                    url = build_url(rule, replace(c, params={**c.params, name: huge}), world)
                    for viewer, client in clients.items():
                        with client.open(url, method=method) as response:
                            status = response.status_code
                            assert status in (404, 405), f"{viewer}: {method} {url}: {status}"
                        checked += 1
        assert checked > 200
        db.session.remove()


@pytest.mark.parametrize("path", ["/sessions/past", "/admin/members", "/admin/outbox", "/admin/sessions",
                                  "/admin/series", "/admin/notes"])
def test_a_page_number_too_large_for_the_database_is_not_a_server_error(shared_world, path):
    app, world = shared_world
    with app.app_context():
        client = _client(app, world, "organiser")
        for huge in [*HUGE, "-" + HUGE[-1]]:
            assert client.get(f"{path}?page={huge}").status_code in (200, 404), (path, huge)
        db.session.remove()


# Methods, cookies and headers ------------------------------------------------------------------------

def test_a_method_a_route_does_not_take_answers_405(shared_world):
    app, world = shared_world
    with app.app_context():
        adapter = app.url_map.bind("localhost")
        client = app.test_client()
        checked = 0
        for (_, rule), cases in MATRIX.items():
            for c in cases:
                url = build_url(rule, c, world)
                path = url.split("?")[0]
                allowed = adapter.allowed_methods(path)
                for other in {"GET", "POST", "PUT", "PATCH", "DELETE"} - set(allowed):
                    response = client.open(url, method=other)
                    assert response.status_code == 405, f"{other} {url}: {response.status_code}"
                    checked += 1
        assert checked > 300
        db.session.remove()


@pytest.mark.parametrize("cookie", [
    ("session", "garbage"), ("session", "eyJfZnJlc2giOmZhbHNlfQ.forged.signature"), ("session", "x" * 4000),
    ("remember_token", "garbage"), ("remember_token", "1:abc|deadbeef"), ("remember_token", "\u00e9\u00e9"),
])
def test_garbage_cookies_make_a_visitor(shared_world, cookie):
    app, world = shared_world
    with app.app_context():
        client = app.test_client()
        client.set_cookie(*cookie)
        assert client.get("/").status_code == 200
        response = client.get("/account")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
        db.session.remove()


@pytest.mark.parametrize("headers", [
    {"Accept": "application/json;q=abc, */*;q=-1"}, {"Accept-Language": "\u00ff;q=x"},
    {"If-None-Match": '"unterminated'}, {"If-Modified-Since": "yesterday at noon"},
    {"If-Modified-Since": "Mon, 99 Foo 20999 99:99:99 GMT"}, {"Range": "bytes=abc-def"},
    {"Range": "bytes=999999999-"}, {"X-Forwarded-For": "not-an-ip, ::::"}, {"User-Agent": "\u00e9" * 5000},
    {"Content-Type": "multipart/form-data; boundary=\"unterminated"},
])
def test_garbage_headers_never_make_a_server_error(shared_world, headers):
    app, world = shared_world
    attachment = (f"/notes/{world['note:public']}/files/{world['attachment:note:public']}/"
                  f"{world['filename:note:public']}")
    with app.app_context():
        client = app.test_client()
        for path in ("/", "/calendar.ics", f"/sessions/{world['session']}/invite.ics", attachment,
                     f"/sessions/{world['session']}/polls/{world['poll']}/results.json", "/api/v1/sessions"):
            with client.get(path, headers=headers) as response:
                assert response.status_code < 500, (path, headers)
        db.session.remove()
