"""Cluster pages: the list, and later the detail, create, change and delete pages."""
