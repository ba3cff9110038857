"""Settings from the environment (community/config.py): the generated secret key."""
import threading
import time

import pytest

from community import config, create_app
from tests.conftest import make_config, run_threads


@pytest.fixture
def no_secret_key_in_env(monkeypatch):
    """No SECRET_KEY in the environment, so the key comes from the instance folder."""
    monkeypatch.delenv("SECRET_KEY", raising=False)


def test_workers_starting_at_once_all_get_the_same_non_empty_key(tmp_path, monkeypatch,
                                                                  no_secret_key_in_env):
    real = config.secrets.token_urlsafe

    def slow_token(n):
        """Make the moment between creating the key and having it written a long one."""
        time.sleep(0.05)
        return real(n)

    monkeypatch.setattr(config.secrets, "token_urlsafe", slow_token)
    start = threading.Barrier(8)
    keys, errors = [], []

    def worker():
        start.wait()
        try:
            keys.append(config._secret_key(tmp_path))
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(repr(exc))

    run_threads([threading.Thread(target=worker) for _ in range(8)], timeout=10)
    assert errors == []
    assert len(keys) == 8 and len(set(keys)) == 1
    assert len(keys[0]) >= 48
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary file left


def test_an_empty_key_file_refuses_to_start(tmp_path, no_secret_key_in_env):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(RuntimeError, match="secret_key is empty"):
        config._secret_key(tmp_path)


def test_the_app_refuses_to_start_with_an_empty_secret_key(tmp_path, smtp_server):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(make_config(tmp_path, smtp_server, SECRET_KEY=""))
