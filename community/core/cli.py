"""`flask seed-demo` and `flask worker`."""
import click
from flask import Flask, current_app

from community.core import demo
from community.db import db
from community.queue import huey


@click.command("seed-demo")
def seed_demo():
    """Load the demo community; running it again changes nothing."""
    created = demo.seed()
    db.session.commit()
    if not created:
        click.echo("The demo community is already loaded; nothing changed.")
        return
    for line in created:
        click.echo(line)


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def worker(workers):
    """Run the background queue consumer (email delivery, periodic sweeps)."""
    if current_app.config["QUEUE_URL"] == "immediate":
        raise click.ClickException("QUEUE_URL=immediate runs tasks inline; there is nothing to consume.")
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    click.echo(f"Queue consumer running on {current_app.config['QUEUE_URL']} with {workers} threads.")
    consumer.run()


def init_app(app: Flask) -> None:
    """Register the site-wide commands."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
