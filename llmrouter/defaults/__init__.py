"""Files the package ships: the default config, ROUTES.md and the status page."""
