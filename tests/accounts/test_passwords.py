"""The password policy (community/accounts/services.password_problem): long enough, not built
from the member's name or address, and not easy to guess by zxcvbn's estimate with its
dictionaries of common passwords, names and words."""
import pytest

from community.accounts.services import password_problem
from tests.factories import PASSWORD


@pytest.mark.parametrize("password", ["Password2024!", "qwertyuiop12", "iloveyou123", "mypassword1",
                                      "Liverpool2026", "1q2w3e4r5t6y", "abcdefghijk1"])
def test_common_passwords_are_refused_saying_why(password):
    problem = password_problem(password, "ada@example.com", "Ada Lovelace")
    assert problem is not None and problem.startswith("This password is too easy to guess.")
    assert len(problem) > len("This password is too easy to guess.")  # and what to do about it


@pytest.mark.parametrize("password", [PASSWORD, "a brand new passphrase", "another fine phrase",
                                      "difference engine 42", "a long enough secret",
                                      "something else entirely"])
def test_the_passphrases_the_tests_use_are_accepted(password):
    assert password_problem(password, "ada@example.com", "Ada Lovelace") is None


def test_length_name_and_address_rules_are_named():
    assert password_problem("short") == "Use at least 10 characters."
    assert password_problem("x" * 129) == "Use at most 128 characters."
    assert password_problem("lovelace2026!", "lovelace@example.com") == \
        "Do not build the password from your name or email address."
    assert password_problem("grace hopper rules", name="Grace Hopper") == \
        "Do not build the password from your name or email address."


def test_a_long_password_is_checked_quickly():
    assert password_problem("correct horse battery staple " * 4 + "xyz1", "ada@example.com") is None
