"""Passwords are stored as scrypt hashes unless the configuration says otherwise (the suite
says one PBKDF2 round, to save its time), and an unknown address costs a check of the same kind."""
from werkzeug.security import check_password_hash

from community import create_app
from community.accounts import services as accounts
from community.accounts.services import passwords
from community.db import db
from tests.conftest import make_config


def test_the_app_hashes_passwords_with_scrypt_by_default(tmp_path, smtp_server):
    config = make_config(tmp_path, smtp_server)
    del config["PASSWORD_HASH_METHOD"]
    app = create_app(config)
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        stored = passwords.hash_password("violet harbour lantern 42")
        assert stored.startswith("scrypt:32768:8:1$")
        assert check_password_hash(stored, "violet harbour lantern 42")
        assert passwords._dummy_hash("scrypt").startswith("scrypt:")
        db.engine.dispose()


def test_accounts_are_stored_with_the_configured_method_and_log_in(app):
    user = accounts.create_user(email="hash@example.com", name="Hash Test",
                                password="violet harbour lantern 42", organisation="", job_title="",
                                confirmed=True, consent=True)
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert accounts.authenticate("hash@example.com", "violet harbour lantern 42") == user
    assert accounts.authenticate("hash@example.com", "wrong password entirely") is None
    assert accounts.authenticate("nobody@example.com", "violet harbour lantern 42") is None
