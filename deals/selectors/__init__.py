"""Reads about deals, always scoped to the user asking; one module per area, as in services/.

Who may see what is decided in ``deals.access``: every view, download and htmx
endpoint starts from one of its gates.
"""
