"""Super node pages of a cluster: list, create, resize, GPU change, delete, YAML."""
