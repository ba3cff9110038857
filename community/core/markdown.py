"""Markdown to safe HTML: markdown-it-py renders, nh3 removes anything executable; done once,
when the text is saved, for what pages show (`StoredHtml`)."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True}).enable("table")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML that is safe to show to anyone."""
    html = _md.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704  # nosec B704  # sanitised by nh3 above, with an allow-list


class StoredHtml:
    """Markdown kept rendered beside its source: setting `source` on a model instance renders
    and sanitises it once, into the `html` column, so pages show the stored HTML and never
    render it again on a view. Use as `description_html = StoredHtml.column()` with
    `StoredHtml.keep("description", "description_html")` in the model's class body."""

    @staticmethod
    def keep(source: str, html: str):
        """A validator that renders `source` into `html` whenever `source` is set."""
        from sqlalchemy.orm import validates

        @validates(source)
        def _render(self, _key, value):
            setattr(self, html, str(render_markdown(value)))
            return value

        return _render


def stored(html: str | None) -> Markup:
    """Stored HTML (rendered and sanitised by `render_markdown` when it was saved) for a page."""
    return Markup(html or "")  # noqa: S704  # nosec B704  # sanitised by nh3 when saved
