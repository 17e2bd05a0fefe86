from django.core.management.base import BaseCommand

from itembank.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo item bank (domains, levels, 232 items, an active demo parameter set)."

    def handle(self, *args, **options):
        load_demo(stdout=self.stdout)
