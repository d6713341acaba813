"""Audit log: typed, hash-chained events written in the same transaction as the change."""
