"""Account rules: registration, confirmation, login, password reset, profile and roles.

The data export and the deletion of an account are in `community.accounts.gdpr`.

Split by concern; import from here: `from community.accounts import services`.

- `tokens`: the signed tokens of the emailed links
- `passwords`: the rules a new password must meet
- `registration`: creating accounts, registering, confirming the address
- `login`: loading the logged-in account and checking a password at log-in
- `resets`: setting a new password: changed by the member, or reset by emailed link
- `members`: profiles, roles, and the organisers' member list and counts
"""
from community.accounts.services.login import authenticate, load_user
from community.accounts.services.members import (
    consent_state,
    member_counts,
    search_users,
    set_role,
    update_profile,
)
from community.accounts.services.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    MIN_PASSWORD_SCORE,
    password_problem,
)
from community.accounts.services.registration import (
    PRIVACY_VERSION,
    confirm_user,
    confirmation_token,
    create_user,
    get_by_email,
    load_confirmation,
    mark_confirmed,
    normalise_email,
    register,
    send_confirmation,
)
from community.accounts.services.resets import (
    change_password,
    request_password_reset,
    reset_password,
    reset_token,
    send_reset_link,
    set_password,
    user_for_reset,
)
from community.accounts.services.tokens import TokenError

__all__ = [
    "authenticate", "change_password", "confirm_user", "confirmation_token", "consent_state",
    "create_user", "get_by_email", "load_confirmation", "load_user", "mark_confirmed",
    "MAX_PASSWORD_LENGTH", "member_counts", "MIN_PASSWORD_LENGTH", "MIN_PASSWORD_SCORE",
    "normalise_email", "password_problem", "PRIVACY_VERSION", "register", "request_password_reset",
    "reset_password", "reset_token", "search_users", "send_confirmation", "send_reset_link",
    "set_password", "set_role", "TokenError", "update_profile", "user_for_reset",
]
