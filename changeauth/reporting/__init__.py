"""Reporting: pandas extracts and transforms, CSV/XLSX exports and imports, and chart rendering."""
