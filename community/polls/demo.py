"""The demo polls of the customer-experience roundtable, answered by the demo members."""
from community.accounts.models import User
from community.polls.models import PollKind
from community.polls.services import manage, voting
from community.sessions.models import Session

#: (question, kind, context, options, settings, answers): an answer per demo member, in the
#: order the demo creates them, as option numbers (from 0) and an optional comment.
POLLS = [
    ("Is good enough, enough?", PollKind.SINGLE,
     "Not every customer journey needs to be best in class. Where is good enough the better "
     "investment, and where does it cost you customers?",
     ["Yes: good enough frees money for what sets us apart",
      "Only for journeys that do not set us apart",
      "No: customers compare us with the best app they use",
      "It depends on the customer segment"],
     {"allow_comment": True, "two_rounds": True},
     [([1], "Core banking journeys must be flawless; the rest can be good enough."),
      ([2], "Our customers do not grade on a curve."),
      ([1], ""),
      ([0], "Claims must work first time; delight can wait."),
      ([2], ""),
      ([3], "Patients and insurers need very different things from us.")]),
    ("How well does my organisation really need to know our customers?", PollKind.SCALE,
     "From transaction history to a live picture of needs and context: how far do you need to go?",
     ["Barely: transactions are enough", "A basic profile and history", "One view of each customer",
      "Needs and context in real time", "Intimately: every interaction personal"],
     {"allow_comment": True},
     [([2], "One view of the customer is still our biggest gap."),
      ([4], ""),
      ([3], "Real-time context is what makes delivery updates useful."),
      ([2], ""),
      ([3], ""),
      ([1], "Regulation limits what we may know, and that is fine.")]),
    ("What is the real return of perfect data at the right place and time?", PollKind.MULTIPLE,
     "Cleaning, matching and governing customer data is expensive. Where is the return real? "
     "Pick up to two.",
     ["Higher conversion and revenue", "Lower cost to serve", "Loyalty and retention",
      "Faster, better decisions", "Less regulatory risk", "Hard to prove any return"],
     {"max_choices": 2},
     [([1, 4], ""), ([0, 2], ""), ([2, 3], ""), ([1, 4], ""), ([0, 2], ""), ([3, 5], "")]),
]


def seed(organiser: User, session: Session, members: list[User]) -> None:
    """Put the three roundtable questions on the session, open them, and add the demo answers."""
    for question, kind, context, options, settings, answers in POLLS:
        poll = manage.create_poll(organiser, session, question=question, kind=kind, context=context,
                                  options=options, **settings)
        manage.open_poll(organiser, poll)
        for member, (picks, comment) in zip(members, answers, strict=False):
            voting.answer(member, poll, [poll.options[i].id for i in picks], comment)
