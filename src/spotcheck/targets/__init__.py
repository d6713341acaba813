"""Targets: the master registry (总库) of check targets and its sub-registries (分库)."""

# Registers the hook that gives every new target its registry code (登记编号): importing any
# module of this package (the models too) imports the package first, so the hook is always on.
from spotcheck.targets import registry_codes as _registry_codes  # noqa: F401
