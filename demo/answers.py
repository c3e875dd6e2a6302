"""Members' answers for the demo's featured teams, written as people write them.

Per team: faithful paraphrases, partial answers (one idea), and the team's
shared "other" purpose (what members think the team is for instead). Teams
whose members mostly don't get the purpose (split, no shared purpose) also
have their own "vague" answers, each unsure in its own way: the generic
sentences in demo.history.VAGUE all say one thing ("help the company
succeed"), so a team answering mostly with them reads as sharing that.
A round never gives two members the same sentence while others are left.
Teams not listed here answer from their statement's own ideas.
"""

ANSWERS = {
    "Payments": {
        "faithful": [
            "We make taking card and bank payments painless for small shops so every sale just works first time and they never wonder where the money is.",
            "Letting small businesses get paid by card or bank transfer without hassle, and making sure payments succeed the first time so nobody worries about the money.",
            "Our job is that a shop owner can accept any payment easily and trust that it went through and the funds are safe.",
            "Make accepting payments effortless for merchants, with sales that go through reliably and money they can count on.",
            "Any small business should be able to take a card or a bank payment without thinking about it, have it work first time, and know exactly where their money is.",
            "so shop owners can get paid by card or transfer with zero hassle - payment goes through first go and they're never left wondering if the money's there",
            "Take the pain out of getting paid for small merchants: every card or bank payment succeeds on the first attempt and they can always trust the money arrived.",
            "Small businesses shouldn't have to think about payments. Sales go through first time, every time, and they always know their money is safe.",
            "Getting paid should be the easy part of running a shop. We make card and bank payments just work, first try, and the merchant always knows the money is there.",
            "A cafe or a hairdresser takes a card or a transfer, it goes through straight away and they can see the money is theirs. That's us.",
        ],
        "partial": [
            "We build the card payment features merchants use at checkout.",
            "We help small businesses take card payments.",
            "Keeping payment success rates high for our merchants.",
            "Card payments for small shops, basically.",
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
            "Find the shops and practices that would get the most from Brightwell and make joining quick and painless.",
        ],
        "partial": ["Run marketing experiments on the sign-up page.", "Bring in more leads."],
        "other": ["We run ads.", "Grow the number of visitors to the website."],
        "vague": [
            "Hard to say, the priorities change every quarter.",
            "I'm new, still figuring that out tbh.",
            "We do a bit of everything: ads, emails, events, whatever's needed.",
            "Making the marketing numbers look good, I suppose.",
            "Not really sure. I mostly run the A/B tests someone else designs.",
            "Honestly? Keeping the website busy.",
        ],
    },
    "Data Platform": {
        "faithful": [
            "We gather and organise the company's data so people can trust the numbers they decide with.",
            "Make sure teams have reliable, well-organised data to answer their questions.",
            "Collecting all of Brightwell's data in one tidy place so anyone can get answers from it and believe what it says.",
        ],
        "partial": [
            "We maintain the data warehouse.",
            "Build pipelines.",
            "Looking after the warehouse and the reports that sit on top of it.",
        ],
        "other": ["We build dashboards when someone asks for one.", "Write SQL for other teams."],
        "vague": [
            "Honestly not sure, most days I'm fixing the overnight jobs that broke.",
            "Whatever the analysts shout loudest about that week, I think?",
            "Keeping the cloud bill down, that's what we get asked about in every review.",
            "No idea what the official line is. I'm on the warehouse migration and that's my whole world right now.",
            "Getting finance their month-end extracts on time.",
            "Moving everything to the new stack before the old contract runs out.",
        ],
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
            "Get every new merchant from signing up to taking their first payment fast, and make sure nothing about it confuses them.",
            "New merchants should go from sign-up to their first sale in days, not weeks, and always know what to do next.",
            "Getting a new shop live and selling as soon as possible, with every step clear to them.",
        ],
        "partial": ["We do the setup calls with new customers.", "Verify new accounts."],
        "other": ["We hand accounts over to Account Management.", "Process new account applications."],
        "vague": [
            "Not sure there is one purpose, we just work through the queue of new accounts.",
            "Whatever Sales promised the customer, we try to make it happen.",
            "I'd say paperwork, mostly. KYC checks and forms.",
            "tbh I just do the calls I'm booked into",
            "Supporting the customer team wherever needed.",
            "It changes a lot, this quarter it's the new pricing plans.",
        ],
    },
}
