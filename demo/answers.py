"""Members' answers for the demo's featured teams, written as people write them.

Per team: faithful paraphrases, partial answers (one idea), and the team's
shared "other" purpose (what members think the team is for instead).
Teams not listed here answer from their statement's own ideas.
"""

ANSWERS = {
    "Payments": {
        "faithful": [
            "We make taking card and bank payments painless for small shops so every sale just works first time and they never wonder where the money is.",
            "Letting small businesses get paid by card or bank transfer without hassle, and making sure payments succeed the first time so nobody worries about the money.",
            "Our job is that a shop owner can accept any payment easily and trust that it went through and the funds are safe.",
            "Make accepting payments effortless for merchants, with sales that go through reliably and money they can count on.",
        ],
        "partial": [
            "We build the card payment features merchants use at checkout.",
            "Helping small businesses take card payments.",
            "Keeping payment success rates high.",
        ],
        "other": [
            "We keep the payment processing platform up and handle incidents.",
            "We run the payment gateway and keep its uptime high.",
            "Maintaining the payment servers and on-call rota.",
        ],
    },
    "Customer Support": {
        "faithful": [
            "Help merchants fix whatever is blocking them, fast and with kindness, so they can keep selling.",
            "When a merchant has a problem we sort it out quickly and nicely so their business doesn't stop.",
            "Answer merchants' questions quickly and warmly so nothing stops them trading.",
        ],
        "partial": [
            "We answer tickets and chats from merchants.",
            "Be friendly to customers who contact us.",
        ],
        "other": [
            "We close as many tickets as possible and keep response times under our SLA.",
            "Hit our ticket targets and keep handling times low.",
            "Our goal is to reduce ticket volume and resolve cases within the SLA.",
        ],
    },
    "Growth": {
        "faithful": [
            "Find the small businesses that would get the most out of Brightwell and make signing up quick and obvious.",
            "We look for the merchants who need us most and make it easy and fast for them to join.",
        ],
        "partial": ["Run marketing experiments on the sign-up page.", "Bring in more leads."],
        "other": ["We run ads.", "Grow the number of visitors to the website."],
    },
    "Data Platform": {
        "faithful": [
            "We gather and organise the company's data so people can trust the numbers they decide with.",
            "Make sure teams have reliable, well-organised data to answer their questions.",
        ],
        "partial": ["We maintain the data warehouse.", "Build pipelines."],
        "other": ["We build dashboards when someone asks for one.", "Write SQL for other teams."],
    },
    "Security": {
        "faithful": [
            "Keep attackers away from merchants' data and our systems, and help engineers build things safely.",
            "Protect Brightwell and our merchants from security threats and make secure building easy for every team.",
        ],
        "partial": ["Run penetration tests.", "Protect our systems."],
        "other": [
            "We make sure we pass the compliance audits every year.",
            "Our job is to get the company through audits and certifications.",
            "Pass PCI and SOC 2 audits.",
        ],
    },
    "Onboarding": {
        "faithful": [
            "Take new merchants from sign-up to their first sale as fast as we can, with every question answered.",
            "Help new customers get set up and make their first sale quickly, without confusion.",
        ],
        "partial": ["We do the setup calls with new customers.", "Verify new accounts."],
        "other": ["We hand accounts over to Account Management.", "Process new account applications."],
    },
}
