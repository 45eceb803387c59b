"""Tucker and the archives: judge a claim of the book, then see what later evidence showed.

One unit's claims (:mod:`course.data.claims`), one at a time: the claim in our words and where the book
makes it; the learner chooses how well it holds up (one of :data:`course.data.claims.STATUSES`) and may
write a sentence of reasoning; **Show the evidence** (enabled once a status is chosen) reveals the
evidence, the status the course gives and why, the sources, and any caveat about thin evidence, and says
whether the judgment matched, was close (a neighbouring status, see :data:`NEIGHBOURS`) or missed.

Spoiler guard: nothing of the evidence or the course's status is in the widget's output before the
attempt; it is rendered only when the button is pressed. Keyboard: buttons, radio buttons (arrow keys)
and the text box are reachable with Tab, each with a visible label and a tooltip; results are announced
through ``role="status"`` regions. Pure ipywidgets: works offline.
"""
from __future__ import annotations

import html
import re

import ipywidgets as w

from ..data import claims as _claims
from .selfcheck import KEYS_CLASS, KeyboardWidget

#: pairs of statuses close enough that choosing one when the course gives the other counts as "close"
NEIGHBOURS = frozenset(frozenset(p) for p in [
    ("confirmed", "revised"),      # right in substance either way
    ("revised", "contested"),      # how much of it stands is itself argued
    ("contested", "unconfirmed"),  # disagreement vs. no document either way
    ("revised", "refuted"),        # wrong in detail vs. wrong altogether
])
OK = "var(--jp-success-color1, #2e7d32)"
NEAR = "var(--jp-warn-color1, #b26a00)"
BAD = "var(--jp-error-color1, #c62828)"
_LABEL = {"description_width": "initial"}
_MARKUP = re.compile(r"(\*\*|\*|`)(.+?)\1", re.DOTALL)


def judge(chosen: str, given: str) -> str:
    """``"match"``, ``"close"`` (neighbouring statuses, see :data:`NEIGHBOURS`) or ``"miss"``."""
    if chosen == given:
        return "match"
    return "close" if frozenset((chosen, given)) in NEIGHBOURS else "miss"


def _plain(text) -> str:
    """Plain text, HTML-escaped: markdown emphasis and backticks dropped, whitespace folded."""
    return html.escape(" ".join(_MARKUP.sub(r"\2", str(text or "")).split()))


def _where(claim: dict) -> str:
    n = _claims.chapter_of(claim)
    label = "Introduction" if n == 0 else f"Chapter {n}"
    section = str(claim.get("section") or "").strip()
    return f"{label}, {'section “' + _plain(section) + '”' if section else 'opening pages'}"


class ArchiveCheck(KeyboardWidget, w.VBox):
    """A unit's claims, one at a time: judge each, then show the evidence (see the module docstring)."""

    def __init__(self, unit_id: str, items: list[dict] | None = None) -> None:
        self.unit_id = unit_id
        self.claims = list(items) if items is not None else _claims.claims(unit_id)
        self.index = 0
        self.answers: dict[int, dict] = {}     # claim index -> {"status", "reason", "verdict"} once revealed
        self.title = w.HTML(self._title())
        self.prev_button = w.Button(description="◀ Previous claim", tooltip="Go to the previous claim")
        self.next_button = w.Button(description="Next claim ▶", tooltip="Go to the next claim")
        self.position = w.HTML()
        self.claim_view = w.HTML()
        self.choice = w.RadioButtons(
            options=[(f"{s} — {m}", s) for s, m in _claims.STATUSES.items()], value=None,
            description="How well does this hold up?", style=_LABEL, layout=w.Layout(width="auto"),
            tooltip="Choose one judgment (arrow keys move between them)")
        self.choice.add_class(KEYS_CLASS)  # arrow keys stay in the group, not JupyterLab's cell selection
        self.reason = w.Textarea(description="Why? (a sentence)", placeholder="Your reason, in a sentence",
                                 tooltip="Optional: say why you judge it so; Tab leaves the box", style=_LABEL,
                                 layout=w.Layout(width="100%", height="70px"))
        self.show_button = w.Button(description="Show the evidence", button_style="primary", disabled=True,
                                    tooltip="Choose a judgment first; then see what later evidence showed")
        self.feedback = w.HTML()
        self.prev_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.show_button.on_click(lambda _: self.reveal())
        self.choice.observe(lambda _: self._sync_button(), names="value")
        body = [self.claim_view, self.choice, self.reason, self.show_button, self.feedback] if self.claims else []
        super().__init__([self.title, w.HBox([self.prev_button, self.position, self.next_button]), *body])
        self.go(0)

    # -- showing a claim -----------------------------------------------------------------------------
    def _title(self) -> str:
        try:
            from ..units import unit

            heading = unit(self.unit_id).heading
        except KeyError:
            heading = self.unit_id
        return (f"<div><b>Tucker and the archives</b> — {_plain(heading)}<br><small>Tucker wrote in 1990, just "
                "before the Soviet archives opened. Judge each claim, then see what later evidence showed."
                "</small></div>")

    @property
    def claim(self) -> dict | None:
        return self.claims[self.index] if self.claims else None

    def go(self, index: int) -> None:
        """Show claim ``index`` (clamped to the unit's claims), with the learner's earlier answer if any."""
        n = len(self.claims)
        self.index = max(0, min(index, n - 1)) if n else 0
        self.prev_button.disabled = self.index <= 0
        self.next_button.disabled = self.index >= n - 1
        if not n:
            self.position.value = "<div role='status'>No claims for this unit yet.</div>"
            return
        self.position.value = (f"<div role='status' style='padding:0 1em;line-height:2.2'>"
                               f"Claim {self.index + 1} of {n}</div>")
        c = self.claim
        self.claim_view.value = (f"<div><small>{_where(c)}</small><p><b>Tucker's claim:</b> "
                                 f"{_plain(c.get('claim'))}</p></div>")
        done = self.answers.get(self.index)
        self.choice.value = done["status"] if done else None
        self.reason.value = done["reason"] if done else ""
        self.choice.disabled = self.reason.disabled = bool(done)
        self.feedback.value = self._evidence(done) if done else ""
        self._sync_button()

    def next(self) -> None:
        self.go(self.index + 1)

    def previous(self) -> None:
        self.go(self.index - 1)

    def _sync_button(self) -> None:
        done = self.index in self.answers
        self.show_button.disabled = done or self.choice.value is None or not self.claims
        self.show_button.description = "Evidence shown" if done else "Show the evidence"

    # -- the reveal ----------------------------------------------------------------------------------
    def reveal(self) -> str | None:
        """Show the evidence for the current claim; return the verdict (None until a status is chosen)."""
        if self.choice.value is None or not self.claims:
            return None
        verdict = judge(self.choice.value, self.claim["status"])
        self.answers[self.index] = {"status": self.choice.value, "reason": self.reason.value, "verdict": verdict}
        self.go(self.index)
        return verdict

    def _evidence(self, answer: dict) -> str:
        c = self.claim
        given, chosen, verdict = c["status"], answer["status"], answer["verdict"]
        mark = {"match": (OK, "✓ Your judgment matches the course's."),
                "close": (NEAR, (f"≈ Close: you chose “{_plain(chosen)}”; the course says “{_plain(given)}”, "
                                 "a neighbouring judgment.")),
                "miss": (BAD, (f"✗ The course judges it differently: you chose “{_plain(chosen)}”; "
                               f"it says “{_plain(given)}”."))}[verdict]
        sources = "".join(f"<li>{_plain(_claims.format_source(s))}</li>" for s in c.get("sources") or []
                          if isinstance(s, dict))
        parts = [f"<p role='status'><b style='color:{mark[0]}'>{mark[1]}</b></p>",
                 (f"<p><b>The course's judgment:</b> {_plain(given)} — {_plain(_claims.STATUSES.get(given, ''))}"
                  f"<br><b>Why:</b> {_plain(c.get('why'))}</p>"),
                 f"<p><b>What later evidence shows:</b> {_plain(c.get('evidence'))}</p>",
                 f"<p><b>Sources:</b></p><ul>{sources}</ul>"]
        if c.get("thin"):
            parts.append(f"<p><b>Where the evidence is thin:</b> {_plain(c['thin'])}</p>")
        if str(answer.get("reason") or "").strip():
            parts.append(f"<p><small>Your reason: {_plain(answer['reason'])} — compare it with the course's "
                         "“why” above.</small></p>")
        return f"<div aria-live='polite'>{''.join(parts)}</div>"


def archive_check(unit_id: str) -> ArchiveCheck:
    """The "Tucker and the archives" widget for one unit."""
    return ArchiveCheck(unit_id)
