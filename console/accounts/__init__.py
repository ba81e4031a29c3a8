"""Console users: login, roles (viewer, operator, admin) and the tenant each acts for."""
