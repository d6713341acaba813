"""Targets: the master registry (总库) of check targets and its sub-registries (分库)."""
