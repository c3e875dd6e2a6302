# Pulse schedules, rounds, invitations and responses arrive with the pulses issue.
