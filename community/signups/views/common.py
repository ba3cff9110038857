"""The sign-ups blueprint: places.py adds the member's own actions, checkin.py the check-in pages."""
from flask import Blueprint

bp = Blueprint("signups", __name__)
