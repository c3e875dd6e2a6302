"""What the purpose app tells the layers above, without importing them."""

from django.dispatch import Signal

# Sent after the transaction that saved a new version commits; `unit_id` is its unit.
statement_saved = Signal()
