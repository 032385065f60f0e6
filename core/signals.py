from django.dispatch import Signal

# Sent after `load_seed`; apps that keep derived data (e.g. the search index) refresh it.
seed_loaded = Signal()
