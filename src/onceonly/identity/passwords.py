"""A staff member changes their own password: the current one proves it is them, the new
one must be hard to guess, and every other session of the account ends (issue 20).

Strength is judged by zxcvbn (Dropbox's estimator: dictionaries, keyboard patterns,
dates, l33t) against the account's own words, on top of a length floor and ceiling: a
length rule alone lets "password123" through, composition rules push people to
"Password1!". The ceiling bounds the argon2 work one request can ask for.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from onceonly.core.crypto import verify_password
from onceonly.core.errors import Invalid, Unauthorized
from onceonly.identity.models import User
from onceonly.identity.service import MIN_PASSWORD_LENGTH, actor_for_user, set_password

PASSWORD_PAGE = "/account/password"
MUST_CHANGE = "must_change_password"  # the session's mark for a forced change
MAX_PASSWORD_LENGTH = 128
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline attack"


def weakness(password: str, user: User) -> str | None:
    """Why `password` will not do for `user` (an English message id), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "Use at least 10 characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return "Use at most 128 characters."
    words = [user.username, user.display_name, *user.username.split("."), "onceonly"]
    if zxcvbn(password, user_inputs=words)["score"] < MIN_SCORE:
        return "Too easy to guess: add words only you would think of."
    return None


def change_own(
    session: Session, user: User, current: str, new: str, keep_session: str | None
) -> int:
    """Set `new` once `current` is proved; the sessions ended (all but the caller's)."""
    if not verify_password(user.password_hash, current):
        raise Unauthorized("The current password is wrong.", code="bad-current-password")
    if new == current:
        raise Invalid("Choose a password other than the current one.", field="new_password")
    if (why := weakness(new, user)) is not None:
        raise Invalid(why, field="new_password")
    return set_password(session, user, new, actor_for_user(user), keep_session=keep_session)
