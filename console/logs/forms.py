"""The log search form: every GetContainerLogs parameter, read from the URL's query."""

from __future__ import annotations

import time
from datetime import UTC, tzinfo

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .instants import NS, parse_instant
from .jsonfields import keywords_for, parse_filter
from .linefilter import LineFilter
from .severity import LEVEL_CHOICES

MAX_WORDS = 10
MAX_WORD_LENGTH = 200
MAX_LINES = 5000
DEFAULT_LINES = 500
# kind/name of a workload whose pods are read together (names as Kubernetes allows them).
WORKLOAD = r"^(deployment|statefulset|daemonset|job)/[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
RANGES = {"5m": 300, "1h": 3600, "24h": 86400}
RANGE_CHOICES = [
    ("5m", gettext_lazy("Last 5 minutes")),
    ("1h", gettext_lazy("Last hour")),
    ("24h", gettext_lazy("Last 24 hours")),
    ("custom", gettext_lazy("Custom")),
]


class WordsField(forms.Field):
    """Repeated query parameters (`kw=a&kw=b`): the chips. Blank and repeated words drop."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        words: list[str] = []
        for word in value or []:
            if word.strip() and word not in words:
                words.append(word)
        return words

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_WORDS:
            raise forms.ValidationError(_("At most %(count)d words.") % {"count": MAX_WORDS})
        for word in value:
            if len(word) > MAX_WORD_LENGTH:
                raise forms.ValidationError(
                    _("A word is at most %(count)d characters.") % {"count": MAX_WORD_LENGTH}
                )


class LogSearchForm(forms.Form):
    cluster = forms.CharField(
        max_length=64,
        label=gettext_lazy("Cluster"),
        error_messages={"required": gettext_lazy("Pick a cluster.")},
    )
    namespace = forms.CharField(
        max_length=63,
        label=gettext_lazy("Namespace"),
        error_messages={"required": gettext_lazy("Pick a namespace.")},
    )
    # A workload (kind/name) reads all its pods; otherwise one pod's container is read.
    workload = forms.RegexField(
        WORKLOAD,
        required=False,
        max_length=270,
        label=gettext_lazy("Workload"),
        error_messages={
            "invalid": gettext_lazy(
                "Write the workload as kind/name: deployment/web, statefulset/db, job/report "
                "or daemonset/agent."
            )
        },
    )
    pod = forms.CharField(required=False, max_length=253, label=gettext_lazy("Pod"))
    container = forms.CharField(required=False, max_length=100, label=gettext_lazy("Container"))
    level = forms.MultipleChoiceField(
        choices=LEVEL_CHOICES, required=False, label=gettext_lazy("Levels")
    )
    field = WordsField(required=False, label=gettext_lazy("Fields"))
    kw = WordsField(required=False, label=gettext_lazy("Keywords"))
    ignore = WordsField(required=False, label=gettext_lazy("Ignore"))
    range = forms.ChoiceField(choices=RANGE_CHOICES, required=False, label=gettext_lazy("Time"))
    since = forms.CharField(required=False, max_length=40, label=gettext_lazy("From"))
    until = forms.CharField(required=False, max_length=40, label=gettext_lazy("To"))
    limit = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_LINES, label=gettext_lazy("Lines")
    )
    gone = forms.BooleanField(required=False, label=gettext_lazy("Pod no longer in the cluster"))
    wrap = forms.BooleanField(required=False, label=gettext_lazy("Wrap long lines"))
    tz = forms.ChoiceField(
        choices=[("local", gettext_lazy("Local time")), ("utc", "UTC")],
        required=False,
        label=gettext_lazy("Show times in"),
    )
    tail = forms.BooleanField(required=False, label=gettext_lazy("Live tail"))

    def __init__(self, *args, local_zone: tzinfo, now_ns: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.local_zone = local_zone
        self.now_ns = now_ns or time.time_ns()

    @property
    def zone(self) -> tzinfo:
        tz = self.cleaned_data.get("tz") if hasattr(self, "cleaned_data") else None
        if tz is None:
            tz = self.data.get("tz", "local")
        return UTC if tz == "utc" else self.local_zone

    def _instant(self, name: str) -> int | None:
        text = self.cleaned_data.get(name, "")
        if not text:
            return None
        try:
            return parse_instant(text, self.zone)
        except ValueError as exc:
            self.add_error(name, str(exc))
            return None

    def clean_field(self) -> list[tuple[str, str]]:
        wanted = []
        for word in self.cleaned_data["field"]:
            try:
                wanted.append(parse_filter(word))
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return wanted

    def clean(self):
        data = super().clean()
        if data.get("workload") and data.get("pod"):
            self.add_error(
                "pod", _("Clear the pod to read the whole workload, or clear the workload.")
            )
        if not data.get("workload") and "workload" not in self.errors:
            if not data.get("pod"):
                self.add_error("pod", _("Pick a pod, or a workload."))
            if not data.get("container"):
                self.add_error("container", _("Pick a container."))
        data["range"] = data.get("range") or "1h"
        data["limit"] = data.get("limit") or DEFAULT_LINES
        overlap = set(data.get("kw") or []) & set(data.get("ignore") or [])
        if overlap:
            self.add_error(
                "ignore",
                _("'%(word)s' is both a keyword and ignored.") % {"word": sorted(overlap)[0]},
            )
        if data["range"] == "custom":
            start, end = self._instant("since"), self._instant("until")
            if start is None and "since" not in self.errors:
                self.add_error("since", _("A custom range needs a start."))
            if start is not None and end is not None and start >= end:
                self.add_error("until", _("The end must be after the start."))
            data["start"], data["end"] = start, end
        else:
            data["end"] = None  # up to now: new lines belong to the result
            data["start"] = self.now_ns - RANGES[data["range"]] * NS
        return data

    def window(self) -> tuple[int, int]:
        """[start, end) of the search in ns; an open end is now."""
        return self.cleaned_data["start"], self.cleaned_data["end"] or self.now_ns

    @property
    def target_workload(self) -> tuple[str, str] | None:
        """(kind, name) when the search reads a whole workload's pods."""
        kind, _slash, name = (self.cleaned_data.get("workload") or "").partition("/")
        return (kind, name) if name else None

    def line_filter(self) -> LineFilter:
        """What the console filters on the returned lines (the cloud knows only keywords)."""
        data = self.cleaned_data
        return LineFilter(frozenset(data.get("level") or ()), tuple(data.get("field") or ()))

    def params(self) -> dict:
        """The GetContainerLogs parameters of this search (a workload's: without Pod and
        Container, which each stream adds)."""
        data = self.cleaned_data
        params = {
            "ClusterID": data["cluster"],
            "Namespace": data["namespace"],
            "LineLimit": data["limit"],
            "Start": data["start"],
            "End": self.window()[1],
        }
        if not self.target_workload:
            params.update(Pod=data["pod"], Container=data["container"])
        keywords = list(data["kw"])
        keywords += [w for w in keywords_for(data["field"]) if w not in keywords]
        if keywords:
            params["Keywords"] = keywords
        if data["ignore"]:
            params["KeywordsIgnore"] = data["ignore"]
        if data["gone"]:
            params["NotInCluster"] = True
        return params
