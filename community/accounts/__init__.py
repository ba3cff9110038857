"""Membership: accounts and roles, registration, confirmation, login, reset, account page."""
