from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import large_org_build


class Command(BaseCommand):
    help = "Build a synthetic organization with scored answers (replaces one of the same size)."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=1000)
        parser.add_argument("--people", type=int, default=10000)
        parser.add_argument("--rounds", type=int, default=12)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, units, people, rounds, seed, **options):
        if units < 5 or people < units or rounds < 1:
            raise CommandError("Need at least 5 units, as many people as units, and 1 round.")
        organization = large_org_build(
            units=units, people=people, rounds=rounds, seed=seed, progress=self.stdout.write
        )
        self.stdout.write(self.style.SUCCESS(f"Built {organization} (slug {organization.slug})."))
