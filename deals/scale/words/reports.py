"""The words of a meeting's report: outcomes, the deal status they lead to, next steps and lessons."""

OUTCOME_LABEL = {
    "won": "Won",
    "lost": "Lost",
    "continue": "Continue negotiating",
    "no_decision": "No decision",
}
OUTCOME_STATUS = {"won": "won", "lost": "lost", "continue": "negotiating", "no_decision": "negotiating"}
STATUS_LABEL = {
    "preparing": "Preparing",
    "ready": "Ready",
    "negotiating": "Negotiating",
    "won": "Won",
    "lost": "Lost",
    "withdrawn": "Withdrawn",
}
NEXT_STEPS = [
    "Send the revised offer by Friday.",
    "Order confirmation goes out on Monday.",
    "Site visit with their engineers next month.",
    "Wait for their board decision.",
]
LESSONS = [
    "The pilot figures carried the meeting.",
    "Gave in on price before they committed to volume.",
    "Their engineers decide more than purchasing does.",
    "Bring the service manager next time.",
]
