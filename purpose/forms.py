from django import forms

from purpose.models import FIT_MAX_LENGTH, PURPOSE_MAX_LENGTH


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
    base_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def clean_purpose(self) -> str:
        text = self.cleaned_data["purpose"].strip()
        if not text:
            raise forms.ValidationError(self.fields["purpose"].error_messages["required"])
        return text

    def clean_fit(self) -> str:
        return self.cleaned_data["fit"].strip()
