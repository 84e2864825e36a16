"""Puts tests/ on the path of the tests in its folders (the shared primitive table)."""
