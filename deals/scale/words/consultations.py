"""The words of a consultation: the departments, their questions, answers and waivers."""

DEPARTMENT_ROLE = {
    "boss": "manager",
    "production": "production",
    "supply_chain": "supply_chain",
    "finance": "finance",
}
DEPARTMENT_LABEL = {
    "boss": "Boss",
    "production": "Production",
    "supply_chain": "Supply chain",
    "finance": "Finance",
}
DEPARTMENT_ASK = {
    "boss": "for guidelines for the negotiation",
    "production": "whether we can make it",
    "supply_chain": "whether we can deliver by the date",
    "finance": "for guidance on the payment side",
}
QUESTIONS = {
    "boss": "Any guidelines for this round?",
    "production": "Can we make {quantity} units by {date}, with the special requirements?",
    "supply_chain": "Can we deliver {quantity} units to their sites by {date}?",
    "finance": "Can we accept the payment terms the customer asks for?",
}
BOSS_ANSWERS = [
    "Hold the walk-away price; trade the installation only for the longer term.",
    "Do not go below target in the first round; volume first, then price.",
    "Fine to give the extra discount if they sign before the quarter ends.",
]
FINANCE_ANSWERS = [
    "Within policy if they pay the deposit; no early-payment discount.",
    "Two instalments are fine; insist on the deposit.",
    "The customer pays late: keep the standard terms.",
]
WAIVE_REASONS = [
    "Standard product from stock: no need to ask.",
    "Same configuration as their last order.",
    "Covered by the frame contract already in place.",
]
