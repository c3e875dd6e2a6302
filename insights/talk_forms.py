"""Forms of the talk-it-through page: replies, actions, the meeting, an action's status."""

from django import forms

from surveys.actions import TITLE_MAX_LENGTH, possible_owners
from surveys.models import TeamAction
from surveys.replies import REPLY_MAX_LENGTH


class ReplyForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput)
    theme = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    topic = forms.CharField(label="Heading (optional)", max_length=120, required=False)
    text = forms.CharField(
        label="Your reply",
        max_length=REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a reply before saving it."},
    )


class ActionForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(
        label="What the team will do",
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": "Say what the team will do."},
    )
    owner = forms.ModelChoiceField(
        label="Owner",
        queryset=None,
        empty_label="Choose someone",
        error_messages={"required": "Choose an owner.", "invalid_choice": "Choose an owner from the team."},
    )
    due_on = forms.DateField(
        label="Due",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give a due date.",
            "invalid": "Give the due date as a day (YYYY-MM-DD).",
        },
    )
    ideas = forms.MultipleChoiceField(
        label="Ideas of the purpose it should move (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, unit, ideas: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = possible_owners(unit)
        self.fields["owner"].label_from_instance = lambda user: user.get_short_name() or user.email
        self.fields["ideas"].choices = [(idea, idea) for idea in ideas]
        if not ideas:
            del self.fields["ideas"]


class TalkHeldForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput)
    held_on = forms.DateField(
        label="We talked it through on",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Give the day of the meeting.", "invalid": "Give the day as YYYY-MM-DD."},
    )


class ActionStatusForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=TeamAction.Status.choices)
