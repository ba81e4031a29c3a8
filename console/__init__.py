"""The K8S web console: a Django project whose apps live in this package."""
