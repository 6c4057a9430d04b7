"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit in a Django
project of its own, served in a second process (``server.Provider``) with its own SQLite file."""
