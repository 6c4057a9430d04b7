"""The words of a consultation: the departments, their questions, answers and waivers."""

DEPARTMENT_ROLE = {
    "production": "production",
    "supply_chain": "supply_chain",
    "finance": "finance",
}
DEPARTMENT_LABEL = {
    "production": "Production",
    "supply_chain": "Supply chain",
    "finance": "Finance",
}
DEPARTMENT_ASK = {
    "production": "whether we can make it",
    "supply_chain": "whether we can deliver by the date",
    "finance": "for guidance on the payment side",
}
QUESTIONS = {
    "production": "Can we make {quantity} units by {date}, with the special requirements?",
    "supply_chain": "Can we deliver {quantity} units to their sites by {date}?",
    "finance": "Beyond the payment terms: can their credit limit cover this order until they pay?",
}
BOSS_QUESTIONS = [
    "Any guidelines for this round?",
    "How far may I go on price for the volume they offer?",
    "Should I trade the longer payment term for a bigger order?",
]
BOSS_ANSWERS = [
    "Hold the walk-away price; trade the installation only for the longer term.",
    "Do not go below target in the first round; volume first, then price.",
    "Fine to give the extra discount if they sign before the quarter ends.",
]
FINANCE_ANSWERS = [
    "The credit limit covers it if they pay the deposit.",
    "Their credit is fine up to this order; nothing beyond it.",
    "The customer pays late: ask for the deposit first.",
]
WAIVE_REASONS = [
    "Standard product from stock: no need to ask.",
    "Same configuration as their last order.",
    "Covered by the frame contract already in place.",
]
