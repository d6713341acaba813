"""Inspectors (执法检查人员名录库), experts and institutions, and declared conflicts of interest."""
