"""Inbound tests: our receiving server is mx.community.test, whose Authentication-Results count."""
import pytest

AUTHSERV_ID = "mx.community.test"


@pytest.fixture
def app_config():
    """Trust Authentication-Results from mx.community.test only."""
    return {"INBOUND_AUTHSERV_ID": AUTHSERV_ID}
