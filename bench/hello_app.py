"""The yardstick of `bench/http.py`: the smallest Flask app, served by the same gunicorn.

    gunicorn bench.hello_app:app
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """A fixed page of text."""
    return "Hello, World!"
