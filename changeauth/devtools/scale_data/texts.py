"""Words for generated records: people's names, council services, and sentences that read like the ideas,
reasons and notes officers write. Combined at random, they give titles that repeat often enough for the
similar-work search to find near-duplicates, as a real backlog does."""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Aisha",
    "Alex",
    "Amir",
    "Anna",
    "Ben",
    "Bethan",
    "Callum",
    "Chloe",
    "Chris",
    "Dan",
    "Deepa",
    "Eleanor",
    "Emma",
    "Farah",
    "Gareth",
    "Grace",
    "Hannah",
    "Harry",
    "Imran",
    "Isla",
    "Jack",
    "Jade",
    "James",
    "Jo",
    "Kate",
    "Kieran",
    "Laura",
    "Leah",
    "Liam",
    "Lucy",
    "Mark",
    "Megan",
    "Mohammed",
    "Naomi",
    "Nathan",
    "Nia",
    "Olivia",
    "Owen",
    "Priya",
    "Rachel",
    "Rhys",
    "Rosie",
    "Ryan",
    "Sam",
    "Sarah",
    "Sophie",
    "Tom",
    "Usman",
    "Victoria",
    "Will",
    "Yasmin",
    "Zoe",
)
LAST_NAMES = (
    "Ahmed",
    "Allen",
    "Baker",
    "Begum",
    "Bennett",
    "Brown",
    "Carter",
    "Clarke",
    "Cooper",
    "Davies",
    "Edwards",
    "Evans",
    "Fisher",
    "Green",
    "Hall",
    "Harris",
    "Hill",
    "Hughes",
    "Jackson",
    "James",
    "Jones",
    "Khan",
    "King",
    "Lewis",
    "Martin",
    "Mitchell",
    "Moore",
    "Morgan",
    "Murphy",
    "Patel",
    "Phillips",
    "Price",
    "Roberts",
    "Robinson",
    "Scott",
    "Shaw",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
)

# (code, name) of council services added beside the reference teams.
SERVICE_TEAMS = (
    ("waste_services", "Waste and recycling"),
    ("revenues", "Revenues (council tax and business rates)"),
    ("benefits_service", "Housing benefit and council tax support"),
    ("housing_options", "Housing options"),
    ("environmental_health", "Environmental health"),
    ("licensing", "Licensing"),
    ("parking_services", "Parking services"),
    ("building_control", "Building control"),
    ("land_charges", "Land charges"),
    ("electoral_services", "Electoral services"),
    ("legal_services", "Legal services"),
    ("human_resources", "Human resources"),
    ("finance_team", "Finance"),
    ("ict_services", "ICT services"),
    ("property_services", "Property and estates"),
    ("leisure_services", "Leisure and culture"),
)

CHANGES = (
    "Move online",
    "Automate",
    "Simplify",
    "Digitise",
    "Offer self-service for",
    "Send text reminders for",
    "Add online payments to",
    "Consolidate",
    "Stop paper forms for",
    "Book appointments online for",
    "Introduce a chatbot for",
    "Publish live status of",
    "Integrate the back office for",
    "Redesign",
    "Scan on arrival the post for",
    "Take card payments by phone for",
    "Share one case record for",
)
SUBJECTS = (
    "council tax moves and changes",
    "bulky waste collections",
    "garden waste renewals",
    "pre-application planning advice",
    "housing register applications",
    "missed bin reports",
    "resident parking permits",
    "taxi licence renewals",
    "freedom of information requests",
    "complaints handling",
    "small business rate relief",
    "housing benefit changes of circumstance",
    "pest control bookings",
    "street light faults",
    "fly-tipping reports",
    "building control inspections",
    "local land charges searches",
    "electoral registration canvass",
    "new starter onboarding",
    "supplier invoice approvals",
    "incoming post",
    "customer call-backs",
    "planning validation checks",
    "food hygiene inspections",
    "noise complaints",
    "temporary accommodation placements",
    "direct debit set-up",
    "empty homes reviews",
    "dropped kerb applications",
    "event licences",
)
PROBLEMS = (
    "Customers phone us because they cannot do this online, and calls peak after each billing run.",
    "Officers re-key the same details into three systems, which causes errors and delays.",
    "The paper form is posted, scanned and then typed in, taking up to ten working days.",
    "Residents cannot see the progress of their request, so they chase it by phone and email.",
    "The process depends on one officer's spreadsheet and stops when they are away.",
    "Failure demand makes up about a third of calls on this subject.",
    "We pay for two systems that do the same job in different teams.",
    "Payments arrive without a reference and take hours to match each week.",
)
PROPOSALS = (
    "Replace the form with an online form that updates the back-office system directly.",
    "Use the existing customer portal so people can do it themselves at any time.",
    "Send automatic text and email updates at each step.",
    "Merge the two processes into one, owned by one team.",
    "Buy the module our current supplier already offers and retire the spreadsheet.",
    "Pilot in one area for three months, then roll out if call volumes fall.",
)
EFFECTS = (
    "Fewer calls and faster outcomes for residents.",
    "About one full-time post's worth of re-keying saved each year.",
    "Most requests completed online without contacting us.",
    "Lower printing and postage costs.",
    "",
)
RATIONALES = (
    "Good fit with the Council Plan and a clear customer need.",
    "The case is sound; the savings are realistic and the risks are owned.",
    "Strong demand evidence; delivery capacity is available this year.",
    "Meets the criteria; keep an eye on the dependency on the supplier.",
    "Benefits are on track and the service has taken the new way of working on.",
)
STOP_REASONS = (
    "Outside what we can fund this year and the benefit is small.",
    "Another piece of work already covers this problem.",
    "The risk of lost investment from reorganisation is too high.",
    "The costs outweigh the benefits shown in the case.",
)
HOLD_REASONS = (
    "Wait for the system replacement decision before going further.",
    "Pause until the restructure of the service is settled.",
    "Revisit when the budget for next year is agreed.",
)
RECYCLE_REASONS = (
    "Please say how many people this affects and how often.",
    "The options need a do-minimum alternative and firmer costs.",
    "Add a baseline for the main benefit before we decide.",
)
CONDITIONS = (
    "Complete the data protection impact assessment.",
    "Agree the training plan with the service manager.",
    "Confirm the supplier's hosting meets our security standard.",
    "Publish the customer communication plan.",
    "Set up the benefit measurement with finance.",
)
CONDITION_NOTES = (
    "Done and filed with the business case.",
    "Signed off by the service manager.",
    "No longer needed after the design changed.",
)
COMMENTS = (
    "We see the same problem in our team every week.",
    "Could this also cover the out-of-hours service?",
    "Happy to help test this when it is ready.",
    "Please check this works for people who cannot use a smartphone.",
    "The supplier says the module is included in our licence.",
)
RESUBMIT_NOTES = (
    "About 400 residents a month are affected, based on last year's call logs.",
    "Added the volumes and the teams involved, as asked.",
)
BENEFIT_MEASURES = (
    ("Calls about {subject}", "calls per month", "decrease", "not_monetised"),
    ("Share of {subject} completed online", "% online", "increase", "not_monetised"),
    ("Days to complete {subject}", "days", "decrease", "not_monetised"),
    ("Officer hours spent on {subject}", "hours per month", "decrease", "non_cashable"),
    ("Savings from {subject}", "GBP", "increase", "cashable"),
    ("Customer satisfaction with {subject}", "% satisfied", "increase", "not_monetised"),
)
RESOURCE_ROLES = (
    "Business analyst",
    "Project manager",
    "Developer",
    "Systems administrator",
    "Change officer",
    "Data analyst",
    "Trainer",
    "Customer service adviser",
    "Software licence",
    "Technical architect",
)
FUNDING = ("Transformation reserve", "Service budget", "Government grant", "Invest to save fund")


def person_name(rng: random.Random) -> str:
    """A first and last name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def title(rng: random.Random) -> tuple[str, str]:
    """An idea's title and the subject it is about."""
    subject = rng.choice(SUBJECTS)
    return f"{rng.choice(CHANGES)} {subject}", subject
