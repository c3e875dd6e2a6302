from django import forms

from surveys.models import (
    AGREE_FIELDS,
    ANSWER_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    PulseSchedule,
    Response,
    agree_label,
)

PROPOSAL_QUESTION = "What would you change in how we describe our purpose?"
AGREE_CHOICES = [(value, label) for value, label in Response.Agree.choices]


MIN_LETTERS = 2
TOO_SHORT = (
    "This is too short to count as an answer. Please write it in a few words of your own; "
    "a sentence is enough."
)


def counts_as_answer(text: str) -> bool:
    """What counts as an answer, decided once: saved text with at least two letters, in any script.

    ".", "-", "?" or one letter is refused before saving; anything else is saved and counted
    everywhere (the pulses page, the team view, the CSV), even when the engine then says it is
    too short or not in English to judge.
    """
    return sum(ch.isalpha() for ch in text) >= MIN_LETTERS


def _text(label: str, *, max_length: int, required: bool, empty: str = "", rows: int = 4) -> forms.CharField:
    messages = {
        "max_length": f"Please keep this to {max_length:,} characters: it is %(show_value)s now. "
        "Your text is kept below so you can shorten it."
    }
    if required:
        messages["required"] = empty
    # No maxlength attribute: the browser would cut a long paste silently. The page counts
    # characters as they are typed (static/js/app.js) and this field refuses, with the text kept.
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
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
    purpose_proposal = _text(
        PROPOSAL_QUESTION + " (optional)",
        max_length=QUESTION_MAX_LENGTH,
        required=False,
        rows=3,
    )
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput, initial=0)

    def __init__(self, *args, asks_proposal: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only where the leader turned the question on (PulseSchedule.asks_purpose_proposal).
        if not asks_proposal:
            del self.fields["purpose_proposal"]

    def _an_answer(self, name: str) -> str:
        text = self.cleaned_data[name]
        if not counts_as_answer(text):
            raise forms.ValidationError(TOO_SHORT, code="too_short")
        return text

    def clean_purpose_text(self) -> str:
        return self._an_answer("purpose_text")

    def clean_fit_text(self) -> str:
        return self._an_answer("fit_text")

    def agree_scales(self) -> list[dict]:
        """The three agree items as the page lays them out: each option with its id and whether it
        is chosen, as the radio widget would give them (reading the widget's options for each
        of fifteen radios cost more than the rest of the form)."""
        scales = []
        for name in AGREE_FIELDS:
            field = self[name]
            chosen = field.value()
            chosen = "" if chosen is None else str(chosen)
            options = [
                {
                    "value": value,
                    "label": label,
                    "id": f"{field.auto_id}_{index}",
                    "checked": str(value) == chosen,
                }
                for index, (value, label) in enumerate(AGREE_CHOICES)
            ]
            scales.append({"name": name, "label": field.label, "errors": field.errors, "options": options})
        return scales

    def answers(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = PulseSchedule
        fields = [
            "is_active",
            "asks_purpose_proposal",
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
