"""The words of a deal, its meetings, their on-call cover and its payment-term requests."""

# The deal
PRODUCTS = [
    ("Hydraulic valves HV-200", 250),
    ("Centrifugal pumps CP-80", 1800),
    ("Stainless tanks ST-5", 14000),
    ("Filter cartridges FC-12", 45),
    ("Servo drives SD-3", 950),
    ("Conveyor modules CM-10", 3200),
    ("Heat exchangers HX-40", 22000),
    ("Sensor kits SK-7", 120),
    ("Dosing units DU-2", 6400),
    ("Seal sets SS-30", 18),
    ("Control cabinets CC-9", 8700),
    ("Mixing heads MH-4", 5100),
]
DEAL_KINDS = [
    "frame contract",
    "line retrofit",
    "plant expansion",
    "spare parts agreement",
    "service contract",
    "pilot order",
    "replacement programme",
    "capacity upgrade",
]
SPECIAL_REQUIREMENTS = [
    "",
    "",
    "Food-grade seals and FDA documentation.",
    "ATEX zone 1 certification.",
    "Delivery in two batches to two plants.",
    "Installation during the summer shutdown.",
]

# Meetings and their cover
STAGES = ["exploratory", "negotiation", "final"]
STAGE_LABEL = {"exploratory": "Exploratory", "negotiation": "Negotiation", "final": "Final"}
CANCEL_REASONS = [
    "The customer postponed: their budget is not released yet.",
    "Their plant manager is ill; a new date follows.",
    "Merged into the next meeting.",
]
ON_CALL_TOPICS = ["technical specs", "delivery dates", "payment terms", "pricing", "installation"]

# Payment-term requests
CUSTOMER_REASONS = [
    "Their budget is released only after the summer shutdown.",
    "They pay all suppliers in instalments this year.",
    "A larger order needs longer terms for their cash flow.",
]
