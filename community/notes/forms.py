"""Forms for writing notes and attaching files."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from community.core.forms import TextAreaField, multi_line, single_line
from community.notes.models import KIND_LABELS, VISIBILITY_LABELS


class NoteForm(FlaskForm):
    """A note's content, audience and links."""

    title = StringField("Title", validators=[DataRequired("Give the note a title."), Length(max=200),
                                             single_line])
    summary = TextAreaField("Summary", validators=[Length(max=500), multi_line],
                            description="Two or three sentences shown in lists and search results.")
    body = TextAreaField("Body", validators=[Length(max=100_000), multi_line],
                         description="Markdown: ## headings, - lists, | tables |, [links](https://…), "
                                     "> quotes.")
    kind = SelectField("Kind", choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()])
    visibility = SelectField("Who may read it",
                             choices=[SelectChoice(k.value, v) for k, v in VISIBILITY_LABELS.items()])
    embargo_until = DateTimeLocalField("Embargo until (your time zone)", validators=[Optional()],
                                       description="Leave empty to publish at once. Readers see it from "
                                                   "this moment.")
    chatham_house = BooleanField("Chatham House Rule: what was said may be used, not who said it")
    sessions = SelectMultipleField("Linked sessions", coerce=int, widget=ListWidget(prefix_label=False),
                                   option_widget=CheckboxInput())
    authors = SelectMultipleField("Authors", coerce=int, widget=ListWidget(prefix_label=False),
                                  option_widget=CheckboxInput())
    message = StringField("What changed (for the history)", validators=[Length(max=200), single_line])

    def __init__(self, *args, session_options=(), author_options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions.choices = [SelectChoice(str(s.id), f"{s.starts_at:%d %b %Y} · {s.title}")
                                 for s in session_options]
        self.authors.choices = [SelectChoice(str(u.id), u.name) for u in author_options]


class UploadForm(FlaskForm):
    """One file to attach."""

    file = FileField("File", validators=[FileRequired("Choose a file to attach.")],
                     description="PDF, PowerPoint, Excel, Word, CSV or an image; up to 15 MB.")
