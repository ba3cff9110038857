"""`flask users create`: add a confirmed account from the command line."""
import click
from flask import Flask
from flask.cli import AppGroup

from community.accounts import services
from community.accounts.models import Role
from community.core.errors import DomainError
from community.db import db

users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value,
              show_default=True)
@click.option("--password", help="Prompted for (hidden, twice) when not given.")
@click.option("--organisation", default="", help="Organisation shown on the profile.")
@click.option("--job-title", default="", help="Job title shown on the profile.")
def create(email, name, role, password, organisation, job_title):
    """Create a confirmed account with EMAIL."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email=email, name=name, password=password, role=role,
                                    organisation=organisation, job_title=job_title, confirmed=True)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


def init_app(app: Flask) -> None:
    """Register the users commands."""
    app.cli.add_command(users)
