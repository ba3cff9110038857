"""Demo briefing notes: a pre-read for the customer-experience roundtable and an earlier summary."""
from community.accounts.models import User
from community.notes import services
from community.notes.models import NoteKind, Visibility
from community.sessions.models import Session

PRE_READ_TITLE = "Pre-read: data maturity and the cost of “perfect” customer data"
PRE_READ_SUMMARY = ("Most customer-experience programmes stall on data, not on channels. Before the "
                    "roundtable: where good-enough data pays, where only the best will do, and three "
                    "questions to bring.")
PRE_READ_BODY = """\
## Why this matters now

Customer-experience budgets have moved from marketing pilots to the core of the IT portfolio.
In our conversations with European CIOs this year, the same obstacle comes up again and
again: **the data is not ready**. Records are duplicated across CRM, billing and service
platforms; consent is tracked in three places; and nobody owns the customer identifier.

## A simple maturity scale

| Level | What it looks like | Typical cost to move up |
|---|---|---|
| 1. Scattered | Each channel keeps its own customer records | Low: an inventory and ownership |
| 2. Matched | A nightly match links records across systems | Medium: identity rules, data quality team |
| 3. Governed | One identifier, consent and quality measured | High: process change in every business line |
| 4. Real-time | The right data at the moment of interaction | Very high: event platforms, re-architecture |

Most organisations we speak to sit between levels 2 and 3. The jump to level 4 is where the
business case is hardest to make.

## Is good enough, enough?

> "We spent two years cleaning addresses that nobody used. The complaint calls were about
> delivery slots." — a CIO in logistics, quoted with permission

Perfect data has a cost curve that rises steeply. Three patterns from members:

- **Fix the journeys that hurt first.** Measure data quality only where a customer feels it.
- **Accept probabilistic matching** for marketing, insist on deterministic matching for billing.
- **Make one executive own the customer identifier**, whether CIO, CDO or CMO.

## Questions for the room

1. How well does your organisation really need to know its customers?
2. What is the real return of perfect data at the right place and time?
3. Who should own customer data: the CIO, the CMO, or a Chief Data Officer?
"""

SUMMARY_TITLE = "Summary: FinOps for the CIO"
SUMMARY_SUMMARY = ("Members agreed that cloud cost control is a product discipline, not a finance "
                   "audit: show teams their spend weekly, commit centrally, and keep one owner.")
SUMMARY_BODY = """\
## What we heard

- **Visibility first.** Teams that see their own spending every week cut it by 10–20% without a
  single mandate. Tagging discipline is the prerequisite.
- **Commit centrally, spend locally.** Reserved capacity and savings plans work best when bought
  by a central team and charged back.
- **The CFO conversation changes** once cloud is presented as unit cost per customer or per
  transaction rather than as a monthly bill.

## What members will try next

1. A weekly spend dashboard per product team.
2. One accountable FinOps lead reporting to the CIO.
3. Unit-cost targets in next year's budget round.

*Held under the Chatham House Rule.*
"""


def seed(analyst: User, cx_session: Session, past_session: Session) -> None:
    """Add the two demo notes (the caller checks they are not there yet)."""
    services.create(analyst, title=PRE_READ_TITLE, summary=PRE_READ_SUMMARY, body=PRE_READ_BODY,
                    kind=NoteKind.PRE_READ, visibility=Visibility.MEMBERS, sessions=[cx_session])
    services.create(analyst, title=SUMMARY_TITLE, summary=SUMMARY_SUMMARY, body=SUMMARY_BODY,
                    kind=NoteKind.SUMMARY, visibility=Visibility.MEMBERS, chatham_house=True,
                    sessions=[past_session])
