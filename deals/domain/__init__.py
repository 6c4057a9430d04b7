"""Pure rules of the practice: no queries, no writes, no request.

Selectors and services both import them: the briefing snapshot, the payment
policy, the readiness checklist, and the report check.
"""
