"""Import and export of the registries: adapters between file specs and domains, the wizard."""
