"""Poll rules, split by concern; import them from here: `from community.polls import services`.

- `rules`: who runs a session's polls, who may answer, who sees results
- `manage`: write, arrange, open and close polls, publish a closed poll's results
- `voting`: answers (one per member and round) and the GDPR export and erasure of them
- `results`: counts, percentages, the before/after shift, comments, job-title breakdown
- `page`: what one viewer sees of each poll
"""
from community.polls.services.manage import (
    close_poll,
    copy_poll,
    copy_sources,
    create_poll,
    delete_poll,
    move_poll,
    open_poll,
    session_polls,
    set_results_public,
    start_live_round,
    update_poll,
)
from community.polls.services.page import PollView, poll_view, poll_views, visible_results
from community.polls.services.results import (
    breakdown,
    comments,
    results_for,
    rounds_with_results,
    tally,
    tally_rows,
)
from community.polls.services.rules import is_manager, results_public, results_visible
from community.polls.services.voting import (
    answer,
    answered_count,
    check_choice,
    check_comment,
    my_answers,
)

__all__ = [
    "PollView", "answer", "answered_count", "breakdown", "check_choice", "check_comment", "close_poll",
    "comments", "copy_poll", "copy_sources", "create_poll", "delete_poll", "is_manager", "move_poll",
    "my_answers", "open_poll", "poll_view", "poll_views", "results_for", "results_public",
    "results_visible", "rounds_with_results", "session_polls", "set_results_public",
    "start_live_round", "tally", "tally_rows", "update_poll", "visible_results",
]
