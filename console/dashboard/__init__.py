"""The landing page: an overview of the tenant's region with links to what needs attention."""
