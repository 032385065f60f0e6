"""PostgreSQL for the primary: Django's backend, waiting for a primary that is restarting
(see base.py)."""
