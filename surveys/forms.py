from django import forms

from surveys.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, PulseSchedule, Response, agree_label

AGREE_CHOICES = [(value, label) for value, label in Response.Agree.choices]


def _text(label: str, *, max_length: int, required: bool, empty: str = "", rows: int = 4) -> forms.CharField:
    messages = {"max_length": f"Please keep this under {max_length} characters (it is %(show_value)d now)."}
    if required:
        messages["required"] = empty
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
        error_messages=messages,
    )


def _agree(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=AGREE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please pick one of the five answers.",
            "invalid_choice": "Please pick one of the five answers.",
        },
    )


class PulseAnswerForm(forms.Form):
    """The pulse, in the order members answer it. Nothing in it hints at the leader's words."""

    purpose_text = _text(
        "In your own words, what is our team's purpose?",
        max_length=ANSWER_MAX_LENGTH,
        required=True,
        empty="Please describe the team's purpose in your own words; a sentence or two is enough.",
    )
    fit_text = _text(
        "How does our team's work fit into the larger organization?",
        max_length=ANSWER_MAX_LENGTH,
        required=True,
        empty="Please say how the team's work fits into the larger organization.",
    )
    understands_purpose = _agree(agree_label("understands_purpose") + ".")
    sees_contribution = _agree(agree_label("sees_contribution") + ".")
    shapes_direction = _agree(agree_label("shapes_direction") + ".")
    question_for_leader = _text(
        "A question or suggestion for your leader (optional)",
        max_length=QUESTION_MAX_LENGTH,
        required=False,
        rows=3,
    )
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput, initial=0)

    def agree_fields(self) -> list:
        return [self["understands_purpose"], self["sees_contribution"], self["shapes_direction"]]

    def answers(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = PulseSchedule
        fields = [
            "is_active",
            "cadence",
            "weekday",
            "day_of_month",
            "local_time",
            "open_days",
            "remind_after_days",
        ]
        widgets = {
            "local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_of_month": forms.NumberInput(attrs={"min": 1, "max": 28}),
            "open_days": forms.NumberInput(attrs={"min": 1, "max": 60}),
            "remind_after_days": forms.NumberInput(attrs={"min": 1, "max": 59}),
        }
        help_texts = {
            "weekday": "For weekly and every-two-weeks pulses.",
            "day_of_month": "For monthly and quarterly pulses: 1 to 28, so every month has it.",
            "local_time": "In the organization's time zone.",
            "open_days": "Members can answer, and revise, until the pulse closes.",
            "remind_after_days": "Only those who have not answered get a reminder. Leave empty for none.",
        }
        error_messages = {
            "local_time": {
                "required": "Please give a time of day, such as 09:00.",
                "invalid": "Please give a time such as 09:00.",
            },
            "open_days": {"required": "Please say how many days the pulse stays open."},
        }
