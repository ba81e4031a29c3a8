"""Helpers every console view shares: calling the cloud for a user, and showing its errors."""
