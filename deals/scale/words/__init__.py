"""The words seed_scale makes its people, customers and deals of, one module per area.

``people`` (names, time zones), ``company`` (team names, currencies, customers
and contacts), ``deals`` (products, the deal, meetings, on-call cover,
payment-term requests), ``briefing``, ``consultations`` and ``reports``.
"""
