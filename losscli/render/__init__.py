"""Rendering a result: the rich table, CSV, TSV, JSON, markdown and Parquet. Nothing here computes.

``formats`` declares every output format and imports its renderer on first use;
``literal`` (text shown literally) needs only the standard library, so the CLI's
messages use it without importing the rest.
"""
