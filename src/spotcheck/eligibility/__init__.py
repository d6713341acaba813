"""Eligibility: a task's scope, exclusions, strata and quotas, and a plan year's annual ratio."""
