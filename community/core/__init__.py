"""Site-wide pieces: home and static pages, health check, layout helpers, error pages."""
