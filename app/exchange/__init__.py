"""Exchanging data with the national system and the township: Excel 花名册 import and export,
findings lists (domain.md §9). ID numbers are always written as text."""
