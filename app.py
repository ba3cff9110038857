"""Entry point for `flask --app app`: the application built by the factory."""
from community import create_app

app = create_app()
