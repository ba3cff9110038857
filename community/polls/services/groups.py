"""Job-title groups for breakdowns, matched in SQL, and the rule that hides small groups."""
from sqlalchemy import case, func, literal, or_

from community.accounts.models import User

#: The smallest group whose answers are shown on their own.
MIN_GROUP = 5
#: (group, phrases that put a job title in it, matched as whole words), first match wins.
JOB_GROUPS = [
    ("CIO", ("cio", "chief information officer", "chief information and")),
    ("CTO", ("cto", "chief technology officer", "chief technical officer")),
    ("CDO", ("cdo", "chief digital officer", "chief data officer", "chief digital and")),
    ("CMO", ("cmo", "chief marketing officer", "chief marketing and")),
    ("Customer experience", ("cx", "cco", "customer experience", "chief customer officer")),
]
OTHER = "Other roles"
UNKNOWN = "Job title not known"
ORDER = [label for label, _ in JOB_GROUPS] + [OTHER, UNKNOWN]
_PUNCTUATION = ",./-()&;:|"


def job_group():
    """A SQL expression naming the job-title group of `users.job_title` (NULL user: unknown)."""
    text = func.lower(func.coalesce(User.job_title, ""))
    for mark in _PUNCTUATION:
        text = func.replace(text, mark, " ")
    padded = literal(" ") + text + literal(" ")
    whens = [(or_(User.id.is_(None), func.trim(func.coalesce(User.job_title, "")) == ""), UNKNOWN)]
    whens += [(or_(*(padded.like(f"% {phrase} %") for phrase in phrases)), label)
              for label, phrases in JOB_GROUPS]
    return case(*whens, else_=OTHER)


def suppress_small_groups(sizes: dict[str, int]) -> tuple[list[str], list[str], int]:
    """Split groups into (shown on their own, shown together, hidden answers).

    Groups under MIN_GROUP answers are not shown on their own. Together they are shown only
    when they reach MIN_GROUP; otherwise their answers could be worked out by subtracting the
    shown groups from the total, so the smallest shown groups join them until they do. When no
    group is left to show on its own, there is no breakdown at all (it would repeat the total)."""
    shown = {g for g, n in sizes.items() if n >= MIN_GROUP}
    small = sum(n for g, n in sizes.items() if g not in shown)
    while 0 < small < MIN_GROUP and shown:
        smallest = min(shown, key=lambda g: (sizes[g], g))
        shown.discard(smallest)
        small += sizes[smallest]
    if not shown:
        return [], [], small
    rest = {g for g in sizes if g not in shown and sizes[g]}
    together = [g for g in ORDER if g in rest]
    return [g for g in ORDER if g in shown], together, 0
