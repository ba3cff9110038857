"""The browser checks themselves: axe works under the site CSP; console problems are caught."""
import pytest
from playwright.sync_api import expect

from tests.e2e.support import assert_accessible, axe_violations, serve_html

PROBE = "/__e2e-probe"


def _site_csp(page) -> str:
    """The Content-Security-Policy the live site sends with its home page."""
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    return csp


def test_axe_runs_under_the_site_csp_and_reports_what_it_finds(page, browser_problems):
    csp = _site_csp(page)
    assert isinstance(axe_violations(page), list)
    assert browser_problems.take() == [], "injecting axe must not trip the CSP"

    serve_html(page, f"**{PROBE}", '<!doctype html><html lang="en"><title>Probe</title>'
                                    '<main><img src="/static/img/favicon.svg"></main></html>', csp)
    page.goto(PROBE)
    with pytest.raises(AssertionError, match=r"\[critical\] image-alt.*\n.*at img"):
        assert_accessible(page)


def test_csp_violations_script_errors_and_missing_files_fail_the_test(page, browser_problems):
    csp = _site_csp(page)
    serve_html(page, f"**{PROBE}", '<!doctype html><html lang="en"><title>Probe</title><main><p>Probe</p>'
                                    '<script>document.title = "ran"</script></main></html>', csp)
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.goto(PROBE)
    expect(page).to_have_title("Probe")  # the inline script was blocked

    with page.expect_event("pageerror"):
        page.evaluate("() => { setTimeout(() => { throw new Error('probe error'); }); }")

    with page.expect_console_message(lambda m: "no-such.css" in m.text):
        page.evaluate("""() => {
            const link = document.createElement("link");
            link.rel = "stylesheet";
            link.href = "/static/css/no-such.css";
            document.head.append(link);
        }""")

    problems = browser_problems.take()
    assert any("Content Security Policy" in p for p in problems), problems
    assert any("probe error" in p for p in problems), problems
    assert any("no-such.css" in p for p in problems), problems


def test_an_error_page_opened_on_purpose_is_not_a_console_problem(page, browser_problems):
    assert page.goto("/no-such-page").status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)
    assert browser_problems.take() == []
