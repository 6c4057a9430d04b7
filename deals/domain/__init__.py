"""Pure rules of the practice: no queries, no writes, no request.

Selectors and services both import them: the briefing snapshot, the payment
policy, the readiness checklist, the report check, what a consultation asks and
its answer must hold, and the reminder windows.
"""
