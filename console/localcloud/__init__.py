"""localcloud: a faithful, persistent implementation of the cloud API, embedded by default."""
