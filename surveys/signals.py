"""What the surveys app tells the layers above (insights), without importing them.

Each is sent after the transaction that made the change has committed. A
receiver that fails (the broker is down, say) never undoes the change: the
answer or the close is saved, and periodic sweeps pick up what waits.
"""

from django.dispatch import Signal

# A member saved (or revised) an answer; `round_id` is its round.
answer_saved = Signal()
# A round closed: its answers are final and no longer linked to people; `round_id`.
round_closed = Signal()
# A round's figures changed without a new answer: invitations withdrawn from people who
# left, or an erased person's answer removed; `round_id`. Its summary must be made again.
round_figures_changed = Signal()
