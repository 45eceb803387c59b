"""Self-check widgets built from the question bank: quote matching, timeline ordering, quiz, chart.

Spoiler guard: the notebook holds only ``course.widgets.self_check("<id>")``; choices, quotations and
answers come from the installed bank when the cell runs, and right/wrong plus the explanation appear
only after the learner presses **Check**. Widget state is not what grading reads: in the graded edition,
:class:`AnswerHelper` only writes out the answer line for the learner to paste into the answer cell,
because nbgrader re-runs the notebook without any widget interaction.

Every control has a visible label and is reachable with Tab; the ordering widget moves items with
buttons (keyboard-operable), not by dragging. Colours come from JupyterLab's theme variables.
"""
from __future__ import annotations

import html

import ipywidgets as w

from .. import scoring
from ..answers import answer_var
from ..questions import LETTERS, Question, get

OK = "var(--jp-success-color1, #2e7d32)"
BAD = "var(--jp-error-color1, #c62828)"
PLACEHOLDER = "— choose —"


def _html(text: str, role: str | None = None) -> w.HTML:
    role_attr = f' role="{role}"' if role else ""
    return w.HTML(f'<div{role_attr} style="color:var(--jp-ui-font-color1,inherit);line-height:1.45">{text}</div>')


def _mark(ok: bool) -> str:
    return f'<b style="color:{OK if ok else BAD}">{"✓ right" if ok else "✗ not quite"}</b>'


class SelfCheck(w.VBox):
    """One bank question as a self-check widget: controls, a Check and a Reset button, score, feedback."""

    def __init__(self, question: Question | str, graded_helper: bool = False) -> None:
        self.q = get(question) if isinstance(question, str) else question
        self.helper = graded_helper
        self.controls: list[w.Widget] = self._build_controls()
        self.check_button = w.Button(description="Show my answer line" if graded_helper else "Check",
                                     button_style="primary", tooltip="Check your answer" if not graded_helper
                                     else "Write out your choices as the line to paste into the answer cell")
        self.reset_button = w.Button(description="Reset", tooltip="Clear your answers and the feedback")
        self.score_label = w.HTML("<div role='status'></div>")
        self.feedback = _html("")
        self.attempts = 0
        self.score = 0.0
        self.check_button.on_click(lambda _: self.check())
        self.reset_button.on_click(lambda _: self.reset())
        super().__init__([*self.controls, w.HBox([self.check_button, self.reset_button]), self.score_label,
                          self.feedback])

    # -- building --------------------------------------------------------------------------------------
    def _build_controls(self) -> list[w.Widget]:
        q = self.q
        if q.kind == "attribution":
            self.choices = []
            rows = []
            for n, iid in enumerate(q.shown_items(), 1):
                x = q.item(iid)
                dd = w.Dropdown(options=[PLACEHOLDER, *q.choices], value=PLACEHOLDER, description=f"Statement {n}",
                                style={"description_width": "initial"}, layout=w.Layout(width="320px"))
                when = f' <small>({html.escape(getattr(x, "date", "") or "")})</small>' if getattr(x, "date", "") else ""
                self.choices.append(dd)
                rows += [_html(f"<b>{n}.</b> “{html.escape(x.text)}”{when}"), dd]
            return rows
        if q.kind == "multiple_choice":
            opts = q.shown_choices()
            listing = "".join(f"<li><b>{LETTERS[i]}.</b> {html.escape(c)}</li>" for i, c in enumerate(opts))
            self.choices = [w.RadioButtons(options=[LETTERS[i] for i in range(len(opts))], value=None,
                                           description="Your answer", style={"description_width": "initial"})]
            return [_html(f"{html.escape(q.prompt)}<ol style='list-style:none;padding-left:0'>{listing}</ol>"),
                    *self.choices]
        if q.kind == "numeric":
            self.choices = [w.FloatText(value=0.0, description=f"Answer ({q.units})" if q.units else "Answer",
                                        style={"description_width": "initial"})]
            return [_html(html.escape(q.prompt)), *self.choices]
        if q.kind == "chronology":
            from ..data import load

            tl = load("timeline").set_index("id")
            self.order = list(q.shown_events())
            self._labels = {e: LETTERS[i] for i, e in enumerate(self.order)}
            self._events = {e: str(tl.loc[e, "event"]) for e in self.order}
            self.rows_box = w.VBox()
            self._render_rows()
            self.choices = []
            return [_html(html.escape(q.prompt) + "<br><small>Earliest at the top. Use the ▲/▼ buttons "
                          "(Tab to reach them, Enter or Space to press).</small>"), self.rows_box]
        if q.kind == "short_answer":
            lo, hi = (q.words + [150, 300])[:2]
            self.choices = [w.Textarea(description="Your essay", placeholder=f"{lo}-{hi} words",
                                       layout=w.Layout(width="100%", height="180px"),
                                       style={"description_width": "initial"})]
            return [_html(html.escape(q.prompt)), *self.choices]
        if q.kind == "chart":
            self.choices = []
            return [_html(html.escape(q.prompt) + f"<br>Build the chart in a code cell from "
                          f"<code>course.data.load(\"{q.dataset}\")</code>, then run "
                          f"<code>course.widgets.self_check(\"{q.id}\").check_chart(my_chart)</code>.")]
        raise ValueError(f"unknown kind {q.kind}")

    def _render_rows(self) -> None:
        rows = []
        for i, e in enumerate(self.order):
            up = w.Button(description="▲", tooltip=f"Move {self._labels[e]} up", layout=w.Layout(width="40px"),
                          disabled=i == 0)
            down = w.Button(description="▼", tooltip=f"Move {self._labels[e]} down", layout=w.Layout(width="40px"),
                            disabled=i == len(self.order) - 1)
            up.on_click(lambda _, i=i: self.move_up(i))
            down.on_click(lambda _, i=i: self.move_down(i))
            rows.append(w.HBox([up, down, _html(f"<b>{self._labels[e]}.</b> {html.escape(self._events[e])}")]))
        self.rows_box.children = rows

    def move_up(self, i: int) -> None:
        if i > 0:
            self.order[i - 1], self.order[i] = self.order[i], self.order[i - 1]
            self._render_rows()

    def move_down(self, i: int) -> None:
        self.move_up(i + 1)

    # -- answering ---------------------------------------------------------------------------------------
    def answer(self):
        """The learner's answer, in the form the graded answer cell takes."""
        q = self.q
        if q.kind == "attribution":
            return {n: dd.value for n, dd in enumerate(self.choices, 1) if dd.value != PLACEHOLDER}
        if q.kind == "multiple_choice":
            return self.choices[0].value
        if q.kind == "numeric":
            return self.choices[0].value
        if q.kind == "chronology":
            return [self._labels[e] for e in self.order]
        if q.kind == "short_answer":
            return self.choices[0].value
        return None

    def answer_line(self) -> str:
        return f"{answer_var(self.q.id)} = {self.answer()!r}"

    def check(self) -> float:
        q = self.q
        self.attempts += 1
        if self.helper:
            self.score_label.value = (f"<div role='status'>Copy this line into the answer cell below:<br>"
                                      f"<code>{html.escape(self.answer_line())}</code></div>")
            return 0.0
        if q.kind == "short_answer":
            n = len(self.answer().split())
            lo, hi = (q.words + [150, 300])[:2]
            crit = "".join(f"<li>{html.escape(r['criterion'])} ({r['points']} pt)</li>" for r in q.rubric)
            self.score_label.value = f"<div role='status'>{n} words (aim for {lo}-{hi}).</div>"
            self.feedback.value = (f"<div>Compare your essay with what graders look for:<ul>{crit}</ul>"
                                   f"{html.escape(q.explanation)}<br><small>{html.escape(q.citation_text)}</small></div>")
            return 0.0
        try:
            frac = scoring.fraction(q.kind, self._for_grading(), q.expected(), tolerance=q.tolerance, choices=q.choices or None)
        except (TypeError, ValueError, AttributeError):
            frac = 0.0
        self.score = round(q.points * frac, 2)
        self.score_label.value = (f"<div role='status'><b>Score: {self.score:g} / {q.points:g}</b> "
                                  f"(attempt {self.attempts})</div>")
        self.feedback.value = self._feedback_html(frac)
        return self.score

    def _for_grading(self):
        a = self.answer()
        if self.q.kind == "attribution":
            return {k: v for k, v in a.items()}
        return a

    def _feedback_html(self, frac: float) -> str:
        q = self.q
        parts = [_mark(frac == 1.0)]
        if q.kind == "attribution":
            items = []
            for n, (iid, dd) in enumerate(zip(q.shown_items(), self.choices), 1):
                x = q.item(iid)
                ok = dd.value == x.speaker
                src = (f"{html.escape(x.speaker)}, {html.escape(getattr(x, 'occasion', '') or '')} "
                       f"{html.escape(getattr(x, 'date', '') or '')}; Tucker ch. {x.chapter}"
                       + (" (reported second-hand)" if getattr(x, "secondhand", False) else "")) if ok or frac < 1 else ""
                items.append(f"<li>{n}: {_mark(ok)}" + (f" — {src}" if ok else "") + "</li>")
            parts.append(f"<ul>{''.join(items)}</ul>")
        parts.append(f"<p>{html.escape(q.explanation)}</p><p><small>Where to read: {html.escape(q.citation_text)}</small></p>")
        return "".join(parts)

    def check_chart(self, chart) -> float:
        """Self-check a chart the learner built (chart questions)."""
        from ..chartcheck import check_chart

        res = check_chart(chart, self.q.spec)
        self.attempts += 1
        self.score = self.q.points if res.ok else 0.0
        problems = "".join(f"<li>{html.escape(p)}</li>" for p in res.problems)
        self.score_label.value = f"<div role='status'><b>Score: {self.score:g} / {self.q.points:g}</b></div>"
        self.feedback.value = (_mark(res.ok) + (f"<ul>{problems}</ul>" if problems else "")
                               + f"<p>{html.escape(self.q.explanation)}</p>")
        return self.score

    def reset(self) -> None:
        q = self.q
        for c in self.choices:
            if isinstance(c, w.Dropdown):
                c.value = PLACEHOLDER
            elif isinstance(c, w.RadioButtons):
                c.value = None
            elif isinstance(c, w.FloatText):
                c.value = 0.0
            elif isinstance(c, w.Textarea):
                c.value = ""
        if q.kind == "chronology":
            self.order = list(q.shown_events())
            self._render_rows()
        self.score, self.attempts = 0.0, 0
        self.score_label.value = "<div role='status'></div>"  # keep the live region for screen readers
        self.feedback.value = ""


class AnswerHelper(w.VBox):
    """Graded notebooks: pick with the mouse, get the answer line to paste. Knows the form, not the key."""

    def __init__(self, variable: str, kind: str, n: int | None = None, choices: list[str] | None = None) -> None:
        self.variable, self.kind, self.n = variable, kind, n or 4
        if kind == "attribution":
            self.controls = [w.Dropdown(options=[PLACEHOLDER, *(choices or [])], value=PLACEHOLDER,
                                        description=f"Statement {k}", style={"description_width": "initial"})
                             for k in range(1, self.n + 1)]
        elif kind == "multiple_choice":
            self.controls = [w.RadioButtons(options=list(LETTERS[: self.n]), value=None, description="Your answer",
                                            style={"description_width": "initial"})]
        elif kind == "chronology":
            self.controls = [w.Dropdown(options=[PLACEHOLDER, *LETTERS[: self.n]], value=PLACEHOLDER,
                                        description=f"{['1st (earliest)', '2nd', '3rd'][k] if k < 3 else f'{k + 1}th'}",
                                        style={"description_width": "initial"}) for k in range(self.n)]
        else:
            raise ValueError(f"no answer helper for {kind!r} questions")
        self.button = w.Button(description="Write my answer line", button_style="primary",
                               tooltip="Writes the line to paste into the answer cell; it checks nothing")
        self.out = w.HTML("<div role='status'></div>")
        self.button.on_click(lambda _: self.show())
        super().__init__([*self.controls, self.button, self.out])

    def answer(self):
        if self.kind == "attribution":
            return {k: c.value for k, c in enumerate(self.controls, 1) if c.value != PLACEHOLDER}
        if self.kind == "multiple_choice":
            return self.controls[0].value
        return [c.value for c in self.controls if c.value != PLACEHOLDER]

    def answer_line(self) -> str:
        return f"{self.variable} = {self.answer()!r}"

    def show(self) -> str:
        line = self.answer_line()
        self.out.value = (f"<div role='status'>Copy this line into the answer cell below (this helper does not "
                          f"check anything):<br><code>{html.escape(line)}</code></div>")
        return line
