"""Single sign-on with OpenID Connect (README, "Single sign-on").

The authorization code flow with PKCE and a nonce, through mozilla-django-oidc: ``views`` starts
the flow and takes the provider's answer, ``backends`` checks the ID token (signature, issuer,
audience, expiry, nonce) and ``accounts`` finds, creates and updates the person who signed in.
"""
