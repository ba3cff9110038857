"""Gunicorn settings for production: several sync workers behind a reverse proxy.

Run with `gunicorn -c deploy/gunicorn.conf.py app:app`. Set TRUSTED_PROXIES to the number of
proxies in front (usually 1) so rate limits and logs see the client's address, and QUEUE_URL
to a redis:// URL so all workers share the queue and the rate-limit counters.
"""
import multiprocessing
import os

from community.config import ratelimit_storage
from community.core.ratelimit import shared_counters_warning

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = 2
timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


def on_starting(server):
    """Warn when several workers would each keep their own rate-limit counters."""
    queue_url = os.environ.get("QUEUE_URL", "")
    warning = shared_counters_warning(server.cfg.workers, ratelimit_storage(queue_url))
    if warning:
        server.log.warning(warning)
