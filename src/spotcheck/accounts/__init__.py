"""Accounts: users, roles, passwords, login sessions."""
