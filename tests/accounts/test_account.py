"""The account page: profile, time zone, password, data export and deletion."""
import json

from sqlalchemy import func, select

from community.accounts.models import User
from community.db import db
from community.mail.models import OutboxMessage
from tests.factories import PASSWORD


def test_member_edits_profile_and_time_zone(client, auth):
    user = auth.log_in_new_user()
    response = client.post("/account", data={
        "profile-name": "Ada King", "profile-organisation": "Babbage & Co",
        "profile-job_title": "CDO", "profile-timezone": "Europe/Paris", "profile-submit": "1",
    }, follow_redirects=True)
    assert "Your profile is saved." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.name, user.organisation, user.job_title, user.timezone) == \
        ("Ada King", "Babbage & Co", "CDO", "Europe/Paris")


def test_unknown_time_zone_is_refused(client, auth):
    user = auth.log_in_new_user()
    page = client.post("/account", data={
        "profile-name": "Ada", "profile-organisation": "X", "profile-job_title": "CIO",
        "profile-timezone": "Mars/Olympus", "profile-submit": "1",
    }).get_data(as_text=True)
    assert "Choose a time zone from the list." in page
    db.session.refresh(user)
    assert user.timezone == "Europe/London"


def test_member_changes_password_after_giving_the_current_one(client, auth):
    user = auth.log_in_new_user()
    page = client.post("/account", data={
        "pw-current_password": "wrong one", "pw-password": "another fine phrase",
        "pw-confirm": "another fine phrase", "pw-submit": "1",
    }).get_data(as_text=True)
    assert "That is not your current password." in page
    response = client.post("/account", data={
        "pw-current_password": PASSWORD, "pw-password": "another fine phrase",
        "pw-confirm": "another fine phrase", "pw-submit": "1",
    }, follow_redirects=True)
    assert "Your password is changed." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200  # still logged in here
    client.post("/logout")
    assert auth.login(user, "another fine phrase").status_code == 302


def test_member_downloads_all_their_data_as_json(client, auth):
    user = auth.log_in_new_user(name="Ada Lovelace", email="ada@example.com")
    response = client.get("/account/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "ada@example.com"
    assert data["account"]["name"] == "Ada Lovelace"
    assert data["account"]["privacy_consent_at"]
    assert isinstance(data["emails"], list)
    assert user.password_hash not in response.get_data(as_text=True)


def test_member_deletes_their_account_and_its_emails(client, auth, mailbox):
    user_id = auth.log_in_new_user(email="leaving@example.com").id
    client.post("/password/forgot", data={"email": "leaving@example.com"})  # leaves an outbox row
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    response = client.post("/account/delete", data={
        "delete-password": PASSWORD, "delete-understand": "y"}, follow_redirects=True)
    assert "Your account and personal data have been deleted." in response.get_data(as_text=True)
    assert db.session.get(User, user_id) is None
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert client.get("/account").status_code == 302


def test_deletion_needs_the_password_and_the_tick(client, auth):
    user = auth.log_in_new_user()
    response = client.post("/account/delete", data={"delete-password": "wrong", "delete-understand": "y"})
    assert response.status_code == 400
    assert "That is not your password." in response.get_data(as_text=True)
    response = client.post("/account/delete", data={"delete-password": PASSWORD})
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert db.session.get(User, user.id) is not None


def test_the_only_organiser_cannot_delete_their_account(client, auth):
    user = auth.log_in_new_user(role="organiser")
    page = client.post("/account/delete", data={
        "delete-password": PASSWORD, "delete-understand": "y"}).get_data(as_text=True)
    assert "You are the only organiser." in page
    assert db.session.get(User, user.id) is not None


def test_account_page_needs_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_account_without_organisation_is_told_up_front_what_the_profile_needs(client, auth):
    from tests.factories import make_user

    user = make_user(email="cli-made@example.com", organisation="", job_title="")
    db.session.commit()
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Your profile has no organisation or job title yet" in page


def test_the_time_zone_select_starts_with_an_empty_choice_so_required_is_valid(client, auth):
    from tests.factories import make_user

    user = make_user()
    db.session.commit()
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    select = page[page.index('name="profile-timezone"'):]
    first_option = select[select.index("<option"):select.index("</option>")]
    assert 'value=""' in first_option
