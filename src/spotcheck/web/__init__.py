"""Web plumbing shared by every domain's views: access rules, CSRF, templates, errors."""
