"""Forms for answering a poll and, in the organisers' panel, for writing and copying one."""
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from community.core.forms import TextAreaField, multi_line, single_line, strip
from community.db import MAX_ID
from community.polls.models import (
    AUDIENCE_LABELS,
    COMMENT_MAX,
    CONTEXT_MAX,
    KIND_LABELS,
    MAX_OPTIONS,
    QUESTION_MAX,
    VISIBILITY_LABELS,
    Audience,
    PollKind,
    ResultsVisibility,
)


def _ids(values) -> list[int]:
    """Option ids as sent by radio buttons or checkboxes; anything that is not a number is dropped
    (the service then says no answer was chosen)."""
    return [int(v) for v in values if str(v).isdigit()]


class _OptionIds(SelectMultipleField):
    """The picked options: any number of ids, checked against the poll by the service."""

    def process_formdata(self, valuelist):
        """Keep the numeric ids."""
        self.data = _ids(valuelist)

    def pre_validate(self, form):
        """Which ids belong to the poll is a rule, checked by the service."""


class AnswerForm(FlaskForm):
    """A member's answer: one or more options and, where asked, a one-line comment."""

    option = _OptionIds("Your answer", validators=[DataRequired("Choose an answer first.")])
    comment = StringField("Why?", filters=[strip], validators=[Length(
        max=COMMENT_MAX, message=f"Keep your comment to one line of at most {COMMENT_MAX} characters."),
        single_line])


class PollForm(FlaskForm):
    """A poll's question, kind, options and settings."""

    question = StringField("Question", filters=[strip], validators=[
        DataRequired("Enter the question."), Length(max=QUESTION_MAX), single_line])
    context = TextAreaField("Context (optional)", filters=[strip],
                            validators=[Length(max=CONTEXT_MAX), multi_line])
    kind = RadioField("Kind of answer", default=PollKind.SINGLE.value,
                      choices=[SelectChoice(k.value, KIND_LABELS[k]) for k in PollKind])
    options = TextAreaField("Options", validators=[Length(max=MAX_OPTIONS * 210), multi_line])
    max_choices = IntegerField("Most options one member may pick (optional)", validators=[
        Optional(), NumberRange(2, MAX_OPTIONS, f"Enter a number between 2 and {MAX_OPTIONS}, "
                                                "or leave it empty.")])
    allow_comment = BooleanField("Invite a one-line “why?” comment")
    two_rounds = BooleanField("Ask twice: as a pre-read before the session, then live in the room")
    audience = RadioField("Who may answer", default=Audience.MEMBERS.value,
                          choices=[SelectChoice(a.value, AUDIENCE_LABELS[a]) for a in Audience])
    results_visibility = RadioField("Members see the results", default=ResultsVisibility.AFTER_ANSWER.value,
                                    choices=[SelectChoice(v.value, VISIBILITY_LABELS[v])
                                             for v in ResultsVisibility])

    def fields_for_service(self) -> dict:
        """The poll attributes this form holds."""
        return {"question": self.question.data, "context": self.context.data or "",
                "kind": self.kind.data, "options": (self.options.data or "").splitlines(),
                "max_choices": self.max_choices.data, "allow_comment": self.allow_comment.data,
                "two_rounds": self.two_rounds.data, "audience": self.audience.data,
                "results_visibility": self.results_visibility.data}


class CopyPollForm(FlaskForm):
    """Pick a poll of an earlier session to ask again."""

    source = SelectField("Poll to copy", coerce=int, validate_choice=False,
                         validators=[InputRequired("Choose a poll to copy."),
                                     NumberRange(1, MAX_ID, "Choose a poll to copy.")])
