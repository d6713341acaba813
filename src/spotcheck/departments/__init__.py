"""Departments: the tree province → city → county, with 科室 inside an agency."""
