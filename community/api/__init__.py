"""Read-only JSON API (v1) and its OpenAPI 3 document."""
