"""The words of a briefing: objectives, approach, interests, BATNA, pitch points, objections, concessions."""

OBJECTIVES = [
    "Close a {years}-year frame contract with a volume commitment.",
    "Win the retrofit against the incumbent supplier.",
    "Secure the pilot order and an option on the second plant.",
    "Renew the service contract at a higher service level.",
    "Replace their ageing equipment before the next audit.",
]
APPROACHES = [
    "Open with their downtime figures, then the pilot results; price only after the service package.",
    "Start with the site visit findings; anchor on total cost of ownership, not unit price.",
    "Let their engineers lead on specifications; keep the commercial discussion for the second half.",
    "Agree the agenda up front; trade delivery flexibility for volume.",
]
INTERESTS = [
    "Purchasing wants a lower unit price; the plant manager wants uptime.",
    "The technical director needs certification; finance wants longer payment terms.",
    "The managing director wants one supplier for all plants.",
]
BATNAS = [
    "Keep supplying spot orders at list price.",
    "Offer the previous generation from stock.",
    "Walk away and focus on the two other bids this quarter.",
]
PITCHES = [
    ("Self-cleaning valve seat", "Fewer line stops at their plant", "Pilot at a brewery: 38 % less downtime"),
    ("24-hour spare parts", "They can cut their own spare-part stock", "Service level 98.7 % in 2025"),
    ("Five-year warranty", "Predictable maintenance budget", ""),
    ("Remote monitoring", "Problems found before they stop the line", "12 plants connected"),
    ("Energy-saving drive", "Lower running costs", "Measured 14 % less energy at a dairy"),
    ("Local service team", "A technician on site within a day", "Three service centres in the region"),
    ("Modular design", "Extensions without a new line", ""),
]
OBJECTIONS = [
    ("Your competitor is 8 % cheaper", "Compare total cost over three years, service included."),
    ("We have never worked with you", "Start with the pilot; the frame contract follows the results."),
    ("Your delivery time is too long", "Stock for the first batch is reserved; the rest follows in weeks."),
    ("We need longer payment terms", "Finance can offer instalments against a deposit."),
]
CONCESSIONS = [
    ("2 % extra discount", "a three-year term"),
    ("free installation", "an order above the minimum quantity"),
    ("extended warranty", "a reference visit for other customers"),
    ("training for their staff", "a faster purchase order"),
]
