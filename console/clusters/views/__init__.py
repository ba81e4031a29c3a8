"""Cluster views, one module per concern: list, detail, create, change, delete."""
