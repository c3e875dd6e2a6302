from django import forms

from insights.models import LeaderMark


class LeaderMarkForm(forms.Form):
    """Which of the three submit buttons was pressed."""

    mark = forms.ChoiceField(choices=LeaderMark.Mark.choices)
