import re

from django import forms
from django.http import QueryDict

from alignment import split_ideas
from purpose.models import FIT_MAX_LENGTH, PURPOSE_MAX_LENGTH, PurposeStatement, TeamStage
from purpose.preview import MAX_SAMPLES, SAMPLE_MAX_LENGTH
from purpose.selectors import statement_ideas

# Each idea is looked for in every member's answer; past a handful the
# dashboard's "named / missed" list stops explaining anything.
MAX_KEY_IDEAS = 8
KEY_IDEA_MAX_LENGTH = 200


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def same_text(a: str, b: str) -> bool:
    """Equal but for spacing and case: a purpose retyped the same way is the same wording."""
    return _normal(a) == _normal(b)


def parse_key_ideas(text: str) -> list[str]:
    """One idea per line: stripped, blanks dropped, repeats (any case) dropped."""
    ideas: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        idea = line.strip()
        key = _normal(idea)
        if idea and key not in seen:
            seen.add(key)
            ideas.append(idea)
    return ideas


def split_samples(text: str) -> list[str]:
    """Sample answers, one per line; once there is a blank line, one per paragraph (an answer may
    run over several lines). Blanks dropped, inner spacing kept."""
    text = text.replace("\r\n", "\n").strip()
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [part.strip() for part in parts if part.strip()]


def _same_ideas(a: list[str], b: list[str]) -> bool:
    return [_normal(i) for i in a] == [_normal(i) for i in b]


class PurposeTextForm(forms.Form):
    """The purpose and its key ideas as typed: what the engine reads answers against."""

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
    key_ideas = forms.CharField(
        label="Key ideas",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_purpose(self) -> str:
        text = self.cleaned_data["purpose"].strip()
        if not text:
            raise forms.ValidationError(self.fields["purpose"].error_messages["required"])
        return text

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


class PurposeForm(PurposeTextForm):
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
    # The purpose wording the key ideas were last suggested for or confirmed
    # against: ideas left as they were for an older wording are caught on save.
    ideas_for = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    TYPED = ("purpose", "fit", "key_ideas", "base_version", "ideas_for")

    @classmethod
    def for_statement(cls, current: PurposeStatement | None) -> "PurposeForm":
        """The editor opened on the version in force, with its ideas (confirmed, else proposed)."""
        return cls(
            initial={
                "purpose": current.purpose if current else "",
                "fit": current.fit if current else "",
                "base_version": current.version if current else 0,
                "key_ideas": "\n".join(statement_ideas(current)) if current else "",
                "ideas_for": current.purpose if current else "",
            }
        )

    @classmethod
    def as_typed(cls, data: QueryDict) -> "PurposeForm":
        """Every field as typed, not validated (no errors shown): the editor again, unsaved."""
        return cls(initial={name: data.get(name, "") for name in cls.TYPED})

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
        purpose = data.get("purpose", "")[:PURPOSE_MAX_LENGTH]
        proposal = split_ideas(purpose)
        typed = {name: data.get(name, "") for name in cls.TYPED}
        if proposal:
            typed["key_ideas"] = "\n".join(proposal)
            typed["ideas_for"] = purpose
        return cls(initial=typed), bool(proposal)

    def ideas_left_behind(self, current: PurposeStatement | None) -> bool:
        """The wording changed, yet the key ideas are still those of the version in force and were
        never confirmed for the new wording. Call after is_valid().

        Ideas the leader edited, emptied (the engine proposes from the new
        wording) or confirmed for this wording pass; so does a save that is
        about to be refused as stale (a colleague's newer version comes first).
        """
        data = self.cleaned_data
        if current is None or data["base_version"] != current.version or not data["key_ideas"]:
            return False
        return (
            not same_text(data["purpose"], current.purpose)
            and not same_text(data["purpose"], data["ideas_for"])
            and _same_ideas(data["key_ideas"], statement_ideas(current))
        )

    def clean_fit(self) -> str:
        return self.cleaned_data["fit"].strip()

    def changes_nothing(self, current: PurposeStatement | None) -> bool:
        """The purpose, fit and key ideas are exactly those of the version in force: saving would
        make an identical version. Call after is_valid()."""
        data = self.cleaned_data
        return (
            current is not None
            and data["purpose"] == current.purpose
            and data["fit"] == current.fit
            and data["key_ideas"] == statement_ideas(current)
        )

    @classmethod
    def restored(cls, data: QueryDict, current: PurposeStatement | None) -> "PurposeForm":
        """Text kept in the browser from an earlier visit, as typed and not validated, now based on
        the version in force: its next save goes on top of whatever a colleague saved meanwhile."""
        typed = {name: data.get(name, "") for name in cls.TYPED}
        typed["base_version"] = current.version if current else 0
        return cls(initial=typed)


class SampleAnswersForm(PurposeTextForm):
    """Sample answers to read against the purpose and key ideas as typed in the editor."""

    samples = forms.CharField(
        label="Sample answers",
        # Room for every sample at full length and the blank lines between them.
        max_length=MAX_SAMPLES * (SAMPLE_MAX_LENGTH + 4),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Type one or more sample answers, one per line.",
            "max_length": f"Try at most {MAX_SAMPLES} answers of at most {SAMPLE_MAX_LENGTH} characters.",
        },
    )

    def clean_samples(self) -> list[str]:
        samples = split_samples(self.cleaned_data["samples"])
        if not samples:
            raise forms.ValidationError(self.fields["samples"].error_messages["required"])
        if len(samples) > MAX_SAMPLES:
            raise forms.ValidationError(
                f"Try at most {MAX_SAMPLES} sample answers at a time (there are {len(samples)} now)."
            )
        too_long = [s for s in samples if len(s) > SAMPLE_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"Keep each sample under {SAMPLE_MAX_LENGTH} characters: "
                f"“{too_long[0][:40]}…” has {len(too_long[0])}."
            )
        return samples


STAGE_NOTE_MAX_LENGTH = 280


class StageForm(forms.ModelForm):
    """The leader says where the team stands in the cycle, with a line for the team."""

    class Meta:
        model = TeamStage
        fields = ["stage", "note"]
        widgets = {"stage": forms.RadioSelect, "note": forms.TextInput()}
        labels = {"stage": "Where the team is now", "note": "A line on where the team stands (optional)"}
        error_messages = {
            "stage": {
                "required": "Choose one of the four stages.",
                "invalid_choice": "Choose one of the four stages.",
            },
            "note": {"max_length": f"Keep the line under {STAGE_NOTE_MAX_LENGTH} characters."},
        }
