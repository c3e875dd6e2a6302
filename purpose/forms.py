from django import forms
from django.http import QueryDict

from alignment import split_ideas
from purpose.models import FIT_MAX_LENGTH, PURPOSE_MAX_LENGTH, PurposeStatement
from purpose.selectors import statement_ideas

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

    @classmethod
    def for_statement(cls, current: PurposeStatement | None) -> "PurposeForm":
        """The editor opened on the version in force, with its ideas (confirmed, else proposed)."""
        return cls(
            initial={
                "purpose": current.purpose if current else "",
                "fit": current.fit if current else "",
                "base_version": current.version if current else 0,
                "key_ideas": "\n".join(statement_ideas(current)) if current else "",
            }
        )

    @classmethod
    def rebased(cls, data: QueryDict, current: PurposeStatement | None) -> "PurposeForm":
        """What the leader typed, now based on `current` (a colleague's newer version).

        Their text stays, and their next save goes on top of the colleague's
        version deliberately.
        """
        data = data.copy()
        data["base_version"] = current.version if current else 0
        form = cls(data)
        form.is_valid()
        return form

    @classmethod
    def with_proposed_ideas(cls, data: QueryDict) -> tuple["PurposeForm", bool]:
        """Every field as typed, the key ideas replaced by those proposed from the typed purpose.

        Saves nothing. The flag says whether anything was proposed: with no
        purpose to propose from, the ideas typed so far stay rather than vanish.
        """
        # An over-long purpose can't be saved anyway; the cap bounds the engine's
        # work on a crafted post.
        proposal = split_ideas(data.get("purpose", "")[:PURPOSE_MAX_LENGTH])
        typed = {name: data.get(name, "") for name in ("purpose", "fit", "key_ideas", "base_version")}
        if proposal:
            typed["key_ideas"] = "\n".join(proposal)
        return cls(initial=typed), bool(proposal)

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
