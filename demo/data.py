"""The demo organization: Brightwell, a small-business payments company.

Each unit: (name, kind, purpose, fit, team size, children). Team size counts
members only; every unit also gets one leader.
"""

COMPANY = (
    "Brightwell",
    "company",
    "We help small businesses get paid and stay in control of their money, so that running a shop "
    "or a practice is about the work, not the paperwork.",
    "",
    0,
    [
        (
            "Product & Engineering",
            "division",
            "We build the products small businesses use every day to take payments, see their cash and "
            "pay others, and we keep them fast, safe and always available.",
            "We turn Brightwell's promise into software: every other division sells, supports or runs "
            "what we build.",
            0,
            [
                (
                    "Money Movement",
                    "department",
                    "We move our customers' money correctly and on time, from the first card tap to the "
                    "payout in their bank account.",
                    "Money Movement is the core of Product & Engineering: the apps and the platform exist "
                    "to let money flow through us safely.",
                    0,
                    [
                        (
                            "Payments",
                            "team",
                            "We make it effortless for small businesses to accept card and bank payments, "
                            "so that every sale goes through on the first try and the money is never in doubt.",
                            "We own the payment flow that Money Movement is measured on; Payouts, Fraud & Risk "
                            "and the apps all build on the transactions we capture.",
                            8,
                            [],
                        ),
                        (
                            "Payouts",
                            "team",
                            "We get merchants their money quickly and predictably, so they can pay staff and "
                            "suppliers without worrying about cash flow.",
                            "We close the loop Payments opens: a sale only matters to a merchant once the "
                            "money lands in their bank.",
                            6,
                            [],
                        ),
                        (
                            "Fraud & Risk",
                            "team",
                            "We stop fraud and losses before they hurt merchants or Brightwell, while letting "
                            "honest sales through without friction.",
                            "We protect the money Money Movement moves, and we give Legal & Compliance the "
                            "evidence regulators ask for.",
                            6,
                            [],
                        ),
                    ],
                ),
                (
                    "Platform",
                    "department",
                    "We give every product team a reliable, secure foundation so they can ship quickly "
                    "without rebuilding the basics.",
                    "Platform multiplies the rest of Product & Engineering: our customers are the other "
                    "engineering teams.",
                    0,
                    [
                        (
                            "Cloud Infrastructure",
                            "team",
                            "We run the servers, networks and databases Brightwell depends on, so that our "
                            "products stay up and fast even on the busiest shopping days.",
                            "Every product team deploys onto what we run; our uptime is Brightwell's uptime.",
                            7,
                            [],
                        ),
                        (
                            "Developer Experience",
                            "team",
                            "We make it quick and safe for engineers to build, test and release changes, so "
                            "ideas reach customers in days instead of months.",
                            "We serve the other engineering teams: their speed is how the Platform "
                            "department is judged.",
                            5,
                            [],
                        ),
                        (
                            "Data Platform",
                            "team",
                            "We collect and organise Brightwell's data so teams can answer questions and "
                            "make decisions from trustworthy numbers.",
                            "Finance, Growth, Fraud & Risk and the product teams all rely on our pipelines "
                            "and warehouse.",
                            6,
                            [],
                        ),
                    ],
                ),
                (
                    "Apps",
                    "department",
                    "We design the apps merchants touch every day and make them simple enough to use "
                    "in the middle of a busy shift.",
                    "Apps is where merchants meet Product & Engineering: we present what Money Movement "
                    "and Platform make possible.",
                    0,
                    [
                        (
                            "Mobile App",
                            "team",
                            "We build the phone app that lets merchants take payments and check their "
                            "takings anywhere, even with a weak signal.",
                            "We are the everyday face of Brightwell for most merchants; we rely on Payments "
                            "and Payouts underneath.",
                            7,
                            [],
                        ),
                        (
                            "Web App",
                            "team",
                            "We build the dashboard where merchants manage their business: sales, payouts, "
                            "invoices and reports in one clear place.",
                            "We give merchants the full picture of what Money Movement does for them.",
                            6,
                            [],
                        ),
                    ],
                ),
            ],
        ),
        (
            "Customer",
            "division",
            "We make sure every merchant succeeds with Brightwell, from the first day to the fifth year.",
            "We carry the customer's voice into Brightwell and keep the merchants that Go-to-Market wins.",
            0,
            [
                (
                    "Customer Support",
                    "team",
                    "We solve merchants' problems quickly and kindly, so that a question never stops "
                    "them from trading.",
                    "We are the first people merchants talk to when something goes wrong, and we tell "
                    "product teams what hurts most.",
                    9,
                    [],
                ),
                (
                    "Support Operations",
                    "team",
                    "We give the support team the tools, training and staffing plans to answer every "
                    "merchant well, at any hour.",
                    "We make Customer Support effective; our forecasts shape hiring across the Customer division.",
                    5,
                    [],
                ),
                (
                    "Onboarding",
                    "team",
                    "We get new merchants from sign-up to their first sale as quickly as possible, "
                    "with nothing left unclear.",
                    "We turn the customers Sales wins into active merchants, and hand them to Account Management.",
                    6,
                    [],
                ),
                (
                    "Account Management",
                    "team",
                    "We help our larger merchants grow with Brightwell by understanding their business "
                    "and solving problems before they become reasons to leave.",
                    "We keep the revenue Go-to-Market wins, and bring merchants' needs to product teams.",
                    6,
                    [],
                ),
            ],
        ),
        (
            "Go-to-Market",
            "division",
            "We bring Brightwell to the small businesses who need it, and make sure they understand "
            "why it will make their lives easier.",
            "We grow the company: the merchants we win fund everything Product & Engineering builds.",
            0,
            [
                (
                    "Brand & Content",
                    "team",
                    "We tell small business owners, in plain words, how Brightwell saves them time and "
                    "money, so they trust us before they ever talk to us.",
                    "We give Sales and Growth the story and the materials they use every day.",
                    5,
                    [],
                ),
                (
                    "Growth",
                    "team",
                    "We find the merchants who would benefit most from Brightwell and make signing up "
                    "fast and obvious.",
                    "We fill the pipeline for Sales and hand new sign-ups to Onboarding.",
                    6,
                    [],
                ),
                (
                    "SMB Sales",
                    "team",
                    "We help small shops and practices choose the right Brightwell plan, honestly, "
                    "and get them started the same week.",
                    "We bring in most of Brightwell's new merchants and their revenue.",
                    8,
                    [],
                ),
                (
                    "Enterprise Sales",
                    "team",
                    "We win multi-location businesses by showing how Brightwell simplifies payments "
                    "across all their sites.",
                    "We bring in the largest accounts, which Account Management then grows.",
                    5,
                    [],
                ),
            ],
        ),
        (
            "Operations",
            "division",
            "We keep Brightwell healthy as a company: its money, its people, its legal standing and "
            "its security.",
            "We let every other division focus on merchants by handling what any company must get right.",
            0,
            [
                (
                    "Finance",
                    "team",
                    "We keep Brightwell's books accurate and its spending sensible, so that leaders can "
                    "plan with confidence.",
                    "We give every division its budget and the numbers to steer by.",
                    5,
                    [],
                ),
                (
                    "People & Recruiting",
                    "team",
                    "We hire great people and help them do the best work of their careers here.",
                    "Every team's capacity depends on whom we hire and how well they are supported.",
                    6,
                    [],
                ),
                (
                    "Legal & Compliance",
                    "team",
                    "We keep Brightwell licensed and lawful in every market, so that we can keep serving "
                    "merchants without interruption.",
                    "We work with Fraud & Risk and Finance to satisfy regulators and partners.",
                    4,
                    [],
                ),
                (
                    "Security",
                    "team",
                    "We protect merchants' and Brightwell's data and systems from attackers, and help "
                    "every team build securely.",
                    "We set the security bar that Product & Engineering and our partners rely on.",
                    5,
                    [],
                ),
            ],
        ),
    ],
)

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Diego",
    "Elif",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Jade",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aiden",
    "Bianca",
    "Caleb",
    "Dalia",
    "Emil",
    "Freya",
    "Goran",
    "Helga",
    "Isaac",
    "Juno",
    "Kenji",
    "Lucia",
    "Malik",
    "Noor",
]
LAST_NAMES = [
    "Adeyemi",
    "Berg",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zimmer",
]
