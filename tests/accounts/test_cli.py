"""`flask users create` and `flask seed-demo`."""
from sqlalchemy import func, select

from community.accounts.models import User
from community.accounts.services import authenticate
from community.db import db


def test_users_create_makes_a_confirmed_account_with_the_role(runner):
    result = runner.invoke(args=["users", "create", "Analyst@Example.com", "--name", "Ann Alyst",
                                 "--role", "analyst", "--password", "a long enough secret"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "analyst@example.com"))
    assert user.role == "analyst" and user.is_confirmed and user.name == "Ann Alyst"
    assert authenticate("analyst@example.com", "a long enough secret") is not None


def test_users_create_prompts_for_the_password_when_not_given(runner):
    result = runner.invoke(args=["users", "create", "o@example.com", "--name", "Org",
                                 "--role", "organiser"],
                           input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.email == "o@example.com")) == "organiser"


def test_users_create_refuses_a_duplicate_or_weak_password(runner):
    args = ["users", "create", "dup@example.com", "--name", "Dup", "--password", "a long enough secret"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "already exists" in result.output
    result = runner.invoke(args=["users", "create", "weak@example.com", "--name", "W", "--password", "short"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_seed_demo_prints_the_organiser_password_once_and_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "password:" in first.output
    count = db.session.scalar(select(func.count(User.id)))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "password:" not in second.output
    assert db.session.scalar(select(func.count(User.id))) == count
    password = first.output.split("password:")[1].split()[0]
    assert authenticate("organiser@demo.community", password).is_organiser


def test_worker_refuses_an_immediate_queue(runner):
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0 and "immediate" in result.output
