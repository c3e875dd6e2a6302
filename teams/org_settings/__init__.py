"""The organization's settings in the product's own pages: the organization, its units, its people.

Organization admins only (teams.access.require_org_admin). Every change goes through
`services`, which writes it and its audit row (who, what, before and after) in one
transaction. The default pulse schedule is surveys' part (surveys/org_schedule.py).
"""
