from django import forms

from purpose.models import FIT_MAX_LENGTH, PURPOSE_MAX_LENGTH

# Each idea is looked for in every member's answer; past a handful the
# dashboard's "named / missed" list stops explaining anything.
MAX_KEY_IDEAS = 8
KEY_IDEA_MAX_LENGTH = 200


def parse_key_ideas(text: str) -> list[str]:
    """One idea per line: stripped, blanks dropped, repeats (any case) dropped."""
    ideas: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        idea = line.strip()
        key = " ".join(idea.split()).casefold()
        if idea and key not in seen:
            seen.add(key)
            ideas.append(idea)
    return ideas


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label="Why we exist",
        max_length=PURPOSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Write the team's purpose: why the team exists, for whom, and to what end.",
            "max_length": f"Keep the purpose under {PURPOSE_MAX_LENGTH} characters "
            "(it is %(show_value)d now) so members can hold it in mind.",
        },
        help_text="What the team does, for whom, and so that what.",
    )
    fit = forms.CharField(
        label="How we fit into the larger organization",
        max_length=FIT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"Keep the fit under {FIT_MAX_LENGTH} characters (it is %(show_value)d now).",
        },
    )
    key_ideas = forms.CharField(
        label="Key ideas",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean_purpose(self) -> str:
        text = self.cleaned_data["purpose"].strip()
        if not text:
            raise forms.ValidationError(self.fields["purpose"].error_messages["required"])
        return text

    def clean_fit(self) -> str:
        return self.cleaned_data["fit"].strip()

    def clean_key_ideas(self) -> list[str]:
        ideas = parse_key_ideas(self.cleaned_data["key_ideas"])
        if len(ideas) > MAX_KEY_IDEAS:
            raise forms.ValidationError(
                f"List at most {MAX_KEY_IDEAS} key ideas (there are {len(ideas)} now): "
                "keep the ones members most need to name."
            )
        too_long = [idea for idea in ideas if len(idea) > KEY_IDEA_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"Keep each idea under {KEY_IDEA_MAX_LENGTH} characters, one idea per line: "
                f"“{too_long[0][:40]}…” has {len(too_long[0])}."
            )
        return ideas
