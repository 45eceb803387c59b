"""Self-check widgets for **practice** items, and the answer-line helper of graded notebooks.

:class:`SelfCheck` teaches rather than just marks:

- a wrong try gets a **hint** that points to the reading (the item's citation) and, for attribution and
  chronology, says *which* statements or events are wrong, never what is right;
- the explanation and the right answer appear only once the answer is right or after :data:`MAX_TRIES`
  tries, never after one wrong try;
- the score is :func:`course.scoring.fraction`, the guess-resistant rule grading uses (partial credit for
  attribution is chance-corrected; chronology earns half only for one swapped pair of neighbours);
- essays show the criteria graders look for only after a real attempt (at least half the minimum length);
- charts: :meth:`SelfCheck.check_chart` shows the learner's chart beside the question's requirements,
  each ✓ or ✗ in plain words, and returns a :class:`ChartCheck`; it never shows a model chart.

In a self-study notebook the question's text (statements, options, events) is in the markdown cell above
the widget, so ``course.widgets.self_check(id)`` shows only controls; ``SelfCheck(q, show_prompt=True)``
(the unit's Explore widgets) shows the question too.

Spoiler guard: the notebook holds only the call; choices and answers come from the installed practice bank
when the cell runs. :class:`AnswerHelper` (graded notebooks) knows the *form* of an answer only, never a
key: it writes the answer line to paste and checks nothing.

Keyboard: every control has a visible label (``description``) and a tooltip and is reachable with Tab;
radio buttons move with the arrow keys; the ordering widget moves items with ▲/▼ buttons (Enter or Space),
not by dragging. Results are announced through ``role="status"`` regions. Colours come from JupyterLab's
theme variables.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import ipywidgets as w

from .. import progress, scoring
from ..questions import LETTERS, Question, get

OK = "var(--jp-success-color1, #2e7d32)"
BAD = "var(--jp-error-color1, #c62828)"
PLACEHOLDER = "— choose —"
#: wrong tries before the explanation and the right answer are shown
MAX_TRIES = 3
_LABEL = {"description_width": "initial"}

# chart questions are checked by a call in another cell (``self_check(id).check_chart(chart)``), often on a
# fresh widget each time: their tries are counted per question for the kernel session
_CHART_TRIES: dict[str, int] = {}
_CHART_SOLVED: set[str] = set()


def _html(text: str, role: str | None = None) -> w.HTML:
    role_attr = f' role="{role}"' if role else ""
    return w.HTML(f'<div{role_attr} style="color:var(--jp-ui-font-color1,inherit);line-height:1.45">{text}</div>')


def _inline(text: str) -> str:
    """Escape ``text`` for HTML and show `code` spans as code, not as literal backticks."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


def _mark(ok: bool, wrong_text: str = "not quite") -> str:
    return f'<b style="color:{OK if ok else BAD}">{"✓ right" if ok else "✗ " + wrong_text}</b>'


def _tick(ok: bool) -> str:
    return (f'<span style="color:{OK}" aria-label="met">✓</span>' if ok
            else f'<span style="color:{BAD}" aria-label="not met">✗</span>')


def _join(items) -> str:
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _num(x) -> str:
    x = float(x)
    return f"{int(x):,}" if x.is_integer() else f"{x:,.6g}"


def _status(text: str) -> str:
    return f"<div role='status'>{text}</div>"


def _norm(s) -> str:
    return " ".join(str(s).strip().lower().split())


class KeyboardWidget:
    """Mixin for course widgets with radio groups or dropdowns: displayed with the once-per-kernel script
    that keeps their arrow keys from JupyterLab's cell shortcuts (:func:`keep_keys_in_widgets`)."""

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        keep_keys_in_widgets()


class SelfCheck(KeyboardWidget, w.VBox):
    """One practice item as a self-check widget: controls, Check and Reset, score, hint or explanation.

    ``show_prompt=False`` (notebooks, where a markdown cell above holds the question) shows controls only;
    ``show_prompt=True`` shows the question's text and statements/options in the widget as well.
    """

    def __init__(self, question: Question | str, show_prompt: bool = False) -> None:
        self.q = get(question) if isinstance(question, str) else question
        self.show_prompt = show_prompt
        self.attempts = 0
        self.score = 0.0
        self.fraction = 0.0
        self.solved = False      # right at least once (or, for an essay, a real attempt made)
        self.chart = None
        self.controls: list[w.Widget] = self._build_controls()
        self.check_button = w.Button(description="Check", button_style="primary",
                                     tooltip=("Check the chart you passed to check_chart" if self.q.kind == "chart"
                                              else "Check your answer (Enter or Space)"))
        self.reset_button = w.Button(description="Reset", tooltip="Clear your answers, your tries and the feedback")
        self.score_label = w.HTML(_status(""))
        self.feedback = w.HTML("")
        self.check_button.on_click(lambda _: self.check())
        self.reset_button.on_click(lambda _: self.reset())
        tail: list[w.Widget] = [self.feedback]
        if self.q.kind == "chart":
            self.attempts = _CHART_TRIES.get(self.q.id, 0)
            self.solved = self.q.id in _CHART_SOLVED
            self.chart_view = w.Output(layout=w.Layout(flex="0 1 auto", max_width="60%"))
            self.feedback.layout = w.Layout(flex="1 1 auto", padding="0 0 0 12px")
            tail = [w.HBox([self.chart_view, self.feedback])]
        super().__init__([*self.controls, w.HBox([self.check_button, self.reset_button]), self.score_label, *tail])

    @property
    def revealed(self) -> bool:
        """Whether the explanation (and the right answer) may be shown: right once, or out of tries."""
        return self.solved or self.attempts >= MAX_TRIES

    # -- building --------------------------------------------------------------------------------------
    def _prompt(self, extra: str = "") -> list[w.Widget]:
        return [_html(_inline(self.q.text) + extra)] if self.show_prompt else ([_html(extra)] if extra else [])

    def _build_controls(self) -> list[w.Widget]:
        q = self.q
        if q.kind == "attribution":
            self.choices = []
            rows: list[w.Widget] = self._prompt() if self.show_prompt else [
                _html("<small>Choose a speaker for each numbered statement above.</small>")]
            for n, iid in enumerate(q.shown_items(), 1):
                dd = w.Dropdown(options=[PLACEHOLDER, *q.choices], value=PLACEHOLDER, description=f"Statement {n}",
                                tooltip=f"Who said or held statement {n}?", style=_LABEL,
                                layout=w.Layout(width="320px"))
                dd.add_class(KEYS_CLASS)  # arrow keys change the choice, not the notebook's selected cell
                self.choices.append(dd)
                if self.show_prompt:
                    x = q.item(iid)
                    when = f' <small>({html.escape(x.date)})</small>' if getattr(x, "date", "") else ""
                    rows.append(_html(f"<b>{n}.</b> “{html.escape(x.text)}”{when}"))
                rows.append(dd)
            return rows
        if q.kind == "multiple_choice":
            opts = q.shown_choices()
            letters = [LETTERS[i] for i in range(len(opts))]
            self.choices = [w.RadioButtons(options=letters, value=None, description="Your answer", style=_LABEL,
                                           tooltip=f"Choose one letter, {letters[0]} to {letters[-1]} "
                                                   "(arrow keys move between them)")]
            self.choices[0].add_class(KEYS_CLASS)
            listing = ""
            if self.show_prompt:
                listing = "".join(f"<li><b>{LETTERS[i]}.</b> {_inline(c)}</li>" for i, c in enumerate(opts))
                listing = f"<ol style='list-style:none;padding-left:0'>{listing}</ol>"
            return [*self._prompt(listing), *self.choices]
        if q.kind == "numeric":
            self.choices = [w.FloatText(value=0.0, description=f"Answer ({q.units})" if q.units else "Answer",
                                        tooltip="Type a number, then Tab to Check", style=_LABEL)]
            return [*self._prompt(), *self.choices]
        if q.kind == "chronology":
            from ..data import load

            tl = load("timeline").set_index("id")
            self.order = list(q.shown_events())
            self._labels = {e: LETTERS[i] for i, e in enumerate(self.order)}
            self._events = {e: str(tl.loc[e, "event"]) for e in self.order}
            self.rows_box = w.VBox()
            self._render_rows()
            self.choices = []
            how = ("<small>Put the events in order, earliest at the top, with the ▲/▼ buttons "
                   "(Tab to reach them, Enter or Space to press).</small>")
            return [*self._prompt(("<br>" if self.show_prompt else "") + how), self.rows_box]
        if q.kind == "short_answer":
            lo, hi = self._words()
            self.choices = [w.Textarea(description="Your essay", placeholder=f"{lo}-{hi} words",
                                       tooltip=f"Write {lo}-{hi} words; Tab leaves the box",
                                       layout=w.Layout(width="100%", height="180px"), style=_LABEL)]
            return [*self._prompt(), *self.choices]
        if q.kind == "chart":
            self.choices = []
            how = (f"Build your chart in the cell above as <code>{CHART_VAR}</code> from "
                   f"<code>course.data.load(\"{html.escape(q.dataset)}\")</code>, run that cell, then press "
                   "<b>Check</b>: your chart appears beside what the question asks of it, each ✓ or ✗.")
            return self._prompt(("<br>" if self.show_prompt else "") + how)
        raise ValueError(f"unknown kind {q.kind}")

    def _words(self) -> tuple[int, int]:
        lo, hi = (list(self.q.words) + [150, 300])[:2]
        return int(lo), int(hi)

    def _render_rows(self) -> None:
        rows = []
        for i, e in enumerate(self.order):
            lab = self._labels[e]
            up = w.Button(description="▲", tooltip=f"Move {lab} earlier (up)", layout=w.Layout(width="40px"),
                          disabled=i == 0)
            down = w.Button(description="▼", tooltip=f"Move {lab} later (down)", layout=w.Layout(width="40px"),
                            disabled=i == len(self.order) - 1)
            up.on_click(lambda _, i=i: self.move_up(i))
            down.on_click(lambda _, i=i: self.move_down(i))
            rows.append(w.HBox([up, down, _html(f"<b>{i + 1}. {lab}.</b> {html.escape(self._events[e])}")]))
        self.rows_box.children = rows

    def move_up(self, i: int) -> None:
        if 0 < i < len(self.order):
            self.order[i - 1], self.order[i] = self.order[i], self.order[i - 1]
            self._render_rows()

    def move_down(self, i: int) -> None:
        self.move_up(i + 1)

    # -- answering ---------------------------------------------------------------------------------------
    def answer(self):
        """The learner's answer, in the form a graded answer cell takes."""
        q = self.q
        if q.kind == "attribution":
            return {n: dd.value for n, dd in enumerate(self.choices, 1) if dd.value != PLACEHOLDER}
        if q.kind in ("multiple_choice", "numeric", "short_answer"):
            return self.choices[0].value
        if q.kind == "chronology":
            return [self._labels[e] for e in self.order]
        return self.chart

    def _incomplete(self, answer) -> str | None:
        q = self.q
        if q.kind == "attribution":
            missing = [n for n in range(1, len(self.choices) + 1) if n not in answer]
            if missing:
                s = "s" if len(missing) > 1 else ""
                return f"Choose a speaker for statement{s} {_join(missing)} first."
        if q.kind == "multiple_choice" and answer is None:
            return "Choose one letter first."
        return None

    def check(self) -> float:
        """Check the current answer; returns the points it earns (0 for an essay)."""
        q = self.q
        if q.kind == "short_answer":
            return self._check_essay()
        if q.kind == "chart":
            mine = _user_chart()  # what my_chart is now (the student may have changed it since the last Check)
            return self.check_chart(mine if mine is not None else self.chart).score
        answer = self.answer()
        problem = self._incomplete(answer)
        if problem:
            self.score_label.value = _status(f"Not checked yet: {html.escape(problem)}")
            return self.score
        self.attempts += 1
        try:
            frac = scoring.fraction(q.kind, answer, q.expected(), tolerance=q.tolerance, choices=q.choices or None)
        except (TypeError, ValueError, AttributeError):
            frac = 0.0
        self.fraction = frac
        self.score = round(q.points * frac, 2)
        self.solved = self.solved or frac == 1.0
        self.score_label.value = _status(f"<b>Score: {self.score:g} / {q.points:g}</b> (attempt {self.attempts})")
        self.feedback.value = self._feedback_html(frac, answer)
        progress.record(q.id, self.score, q.points)
        return self.score

    # -- feedback ------------------------------------------------------------------------------------------
    def _wrong_items(self, answer) -> str:
        """Which statements or events are wrong (never what is right)."""
        q = self.q
        exp = q.expected()
        if q.kind == "attribution":
            wrong = [n for n in exp if _norm(answer.get(n)) != _norm(exp[n])]
            if not wrong:
                return ""
            text = (f"Statement {wrong[0]} is not right yet." if len(wrong) == 1
                    else f"Statements {_join(wrong)} are not right yet.")
            if len({_norm(v) for v in answer.values()}) == 1 and len(exp) > 1:
                text += (" Naming one speaker for every statement earns nothing: only attributions beyond "
                         "guessing count.")
            return f"<p>{html.escape(text)}</p>"
        if q.kind == "chronology":
            wrong = [a for a, e in zip(answer, exp) if a != e]
            if not wrong:
                return ""
            text = (f"Event {wrong[0]} is not in its right place yet." if len(wrong) == 1
                    else f"Events {_join(wrong)} are not in their right places yet.")
            return f"<p>{html.escape(text)}</p>"
        return ""

    def _hint(self) -> str:
        q = self.q
        tip = {
            "attribution": "For each of those statements, ask who argued it, and when: the date is a clue.",
            "chronology": "Look for when each of those events happened, and what had to come first.",
            "multiple_choice": "Test each option against what the book says, not what sounds likely.",
            "numeric": (f"The figures are in course.data.load(\"{q.dataset}\"); check which rows and which "
                        "calculation the question asks for." if q.dataset
                        else "Check which figures the question asks for."),
        }.get(q.kind, "")
        left = MAX_TRIES - self.attempts
        more = (f"The explanation appears when you have it right, or after {left} more "
                f"tr{'y' if left == 1 else 'ies'}.")
        return (f"<p><b>Hint:</b> reread {html.escape(q.citation_text)}. {_inline(tip)}</p>"
                f"<p><small>{more}</small></p>")

    def _explanation(self) -> str:
        q = self.q
        return (f"<p>{_inline(q.explanation)}</p>"
                f"<p><small>Where to read: {html.escape(q.citation_text)}</small></p>")

    def _right_answer(self, answer) -> str:
        q = self.q
        exp = q.expected()
        if q.kind == "attribution":
            items = []
            for n, iid in enumerate(q.shown_items(), 1):
                x = q.item(iid)
                ok = _norm(answer.get(n)) == _norm(exp[n])
                src = ", ".join(s for s in (getattr(x, "occasion", ""), getattr(x, "date", "")) if s)
                src = (f"{src}; " if src else "") + f"Tucker ch. {x.chapter}"
                if getattr(x, "secondhand", False):
                    src += " (reported second-hand)"
                yours = "" if ok else f" (you chose {html.escape(str(answer.get(n)))})"
                items.append(f"<li>{n}. {_tick(ok)} <b>{html.escape(x.speaker)}</b>{yours} — {html.escape(src)}</li>")
            return f"<p>The speakers:</p><ul style='list-style:none;padding-left:0'>{''.join(items)}</ul>"
        if q.kind == "multiple_choice":
            return f"<p>The answer: <b>{exp}. {_inline(str(q.answer))}</b></p>"
        if q.kind == "numeric":
            rng = (f" (accepted: {_num(float(exp) - q.tolerance)} to {_num(float(exp) + q.tolerance)})"
                   if q.tolerance else "")
            return f"<p>The answer: <b>{_num(exp)}</b> {html.escape(q.units)}{rng}</p>"
        if q.kind == "chronology":
            by_label = {v: k for k, v in self._labels.items()}
            rows = "".join(f"<li><b>{a}.</b> {html.escape(self._events[by_label[a]])}</li>" for a in exp)
            return f"<p>The order, earliest first: <b>{', '.join(exp)}</b></p><ol>{rows}</ol>"
        return ""

    def _feedback_html(self, frac: float, answer) -> str:
        q = self.q
        right = frac == 1.0
        parts = [_mark(right, "not within the accepted range" if q.kind == "numeric" else "not quite")]
        if 0 < frac < 1:
            parts.append(f" — partly right ({self.score:g} of {q.points:g} points)")
        if not right:
            parts.append(self._wrong_items(answer))
        if not self.revealed:
            parts.append(self._hint())
        else:
            if not right and not self.solved:
                parts.append(f"<p>After {self.attempts} tries, here is the answer.</p>")
            parts.append(self._right_answer(answer))
            parts.append(self._explanation())
        return f"<div aria-live='polite'>{''.join(parts)}</div>"

    def _check_essay(self) -> float:
        q = self.q
        n = len(str(self.choices[0].value or "").split())
        lo, hi = self._words()
        need = lo // 2
        if n < need:
            self.score_label.value = _status(f"{n} word{'s' if n != 1 else ''} so far.")
            self.feedback.value = (f"<div aria-live='polite'><p>Write at least {need} words (the essay asks for "
                                   f"{lo}–{hi}), then press Check again to see what graders look for.</p>"
                                   f"<p><b>Hint:</b> start from {html.escape(q.citation_text)}.</p></div>")
            return 0.0
        self.attempts += 1
        self.solved = True
        progress.record(q.id, 0.0, q.points)  # tried: an essay is not scored here
        note = " — a little short" if n < lo else (" — over the limit" if n > hi else "")
        self.score_label.value = _status(f"{n} words (aim for {lo}–{hi}){note}.")
        crit = "".join(f"<li>{_inline(str(r['criterion']))} ({r['points']} pt)</li>" for r in q.rubric)
        self.feedback.value = (f"<div aria-live='polite'><p>Compare your essay with what graders look for:</p>"
                               f"<ul>{crit}</ul>{self._explanation()}</div>")
        return 0.0

    # -- charts ----------------------------------------------------------------------------------------------
    def check_chart(self, chart=None) -> "ChartCheck":
        """Check a chart the learner built: show it beside each requirement, ✓ or ✗ (chart questions)."""
        from ..chartcheck import check_chart, normalize_spec

        q = self.q
        if q.kind != "chart":
            raise TypeError(f"check_chart is for chart questions; {q.id} is a {q.kind} question")
        if chart is None or not hasattr(chart, "to_dict"):
            what = "is still None" if chart is None else f"is a {type(chart).__name__}, not an Altair chart"
            msg = (f"Nothing checked yet: {CHART_VAR} {what}. In the cell above write, e.g., {CHART_VAR} = "
                   f"alt.Chart(course.data.load(\"{q.dataset}\")).mark_…().encode(…), run it, then press Check.")
            self.score_label.value = _status("Nothing checked yet: no chart.")
            self.feedback.value = f"<div aria-live='polite'><p>{html.escape(msg)}</p></div>"
            return ChartCheck(ok=False, score=0.0, points=q.points, message=msg, html=self.feedback.value)
        self.chart = chart
        self.attempts = _CHART_TRIES[q.id] = _CHART_TRIES.get(q.id, 0) + 1
        overall = check_chart(chart, q.spec)
        reqs = chart_requirements(chart, q.spec, overall)
        try:
            frac = scoring.fraction("chart", normalize_spec(chart), q.spec)
        except (TypeError, ValueError, AttributeError):
            frac = 0.0
        self.fraction = frac
        self.score = round(q.points * frac, 2)
        if overall.ok:
            self.solved = True
            _CHART_SOLVED.add(q.id)
        items = "".join(f"<li>{_tick(ok)} {html.escape(text)}"
                        + (f"<br><small>{html.escape(detail)}</small>" if detail and not ok else "") + "</li>"
                        for text, ok, detail in reqs)
        parts = [_mark(overall.ok), f"<p>What the question asks of the chart:</p>"
                 f"<ul style='list-style:none;padding-left:0'>{items}</ul>"]
        if not overall.ok and all(ok for _, ok, _ in reqs):
            parts.append("<p>No single layer of the chart meets every requirement together:</p><ul>"
                         + "".join(f"<li>{html.escape(p)}</li>" for p in overall.problems) + "</ul>")
        if self.revealed:
            parts.append(self._explanation())
        else:
            parts.append(self._hint_chart())
        self.score_label.value = _status(f"<b>Score: {self.score:g} / {q.points:g}</b> (attempt {self.attempts})")
        self.feedback.value = f"<div aria-live='polite'>{''.join(parts)}</div>"
        self.chart_view.outputs = ()
        _show_in(self.chart_view, chart)
        progress.record(q.id, self.score, q.points)
        return ChartCheck(ok=overall.ok, score=self.score, points=q.points, requirements=reqs, chart=chart,
                          html=self.feedback.value)

    def _hint_chart(self) -> str:
        left = MAX_TRIES - self.attempts
        return (f"<p><b>Hint:</b> fix the ✗ lines one at a time; {html.escape(self.q.citation_text)} explains "
                f"what the chart should show.</p><p><small>The explanation appears when the chart is right, or "
                f"after {left} more tr{'y' if left == 1 else 'ies'}.</small></p>")

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
        if q.kind == "chart":
            _CHART_TRIES.pop(q.id, None)
            _CHART_SOLVED.discard(q.id)
            self.chart = None
            self.chart_view.outputs = ()
        self.score, self.fraction, self.attempts, self.solved = 0.0, 0.0, 0, False
        self.score_label.value = _status("")  # keep the live region for screen readers
        self.feedback.value = ""


KEYS_CLASS = "course-own-keys"
_KEYS_JS = """(() => {  // arrow keys in a course radio group move between its options, not between notebook cells
  if (window.__courseOwnKeys) return; window.__courseOwnKeys = true;
  let groups = 0;
  const mark = () => document.querySelectorAll('.%s').forEach(g => {
    // Lumino skips its shortcuts for a key whose target (or an ancestor below the match) carries this attribute
    g.querySelectorAll('input:not([data-lm-suppress-shortcuts]), select:not([data-lm-suppress-shortcuts])').forEach(e => {
      e.setAttribute('data-lm-suppress-shortcuts', 'true');
      if (e.type === 'radio' && !e.name) e.name = g.dataset.courseGroup || (g.dataset.courseGroup = 'course-radio-' + (++groups));
    });
  });
  mark(); new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
})();""" % KEYS_CLASS
_keys_sent = False


def keep_keys_in_widgets() -> None:
    """Once per kernel: a script that marks the course's radio groups so JupyterLab's command-mode shortcuts
    (ArrowUp/ArrowDown select cells) leave their keys to them (Lumino's ``data-lm-suppress-shortcuts``)."""
    global _keys_sent
    if _keys_sent:
        return
    from IPython.display import Javascript, display

    display(Javascript(_KEYS_JS))
    _keys_sent = True


CHART_VAR = "my_chart"  # the self-study starter cell's variable, read when Check is pressed


def _user_chart():
    """The learner's ``my_chart`` from the notebook's namespace (None outside IPython or when unset)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # pragma: no cover
        return None
    return shell.user_ns.get(CHART_VAR) if shell is not None else None


# -- charts: requirements in plain words ---------------------------------------------------------------------
def _type_words(t) -> str:
    from ..chartcheck import TYPE_NAMES

    return TYPE_NAMES.get(str(t).upper(), str(t)) if t and len(str(t)) == 1 else str(t or "")


def _want_words(want: dict) -> str:
    what = f"the {want['field']}" if want.get("field") else "a field"
    if want.get("aggregate"):
        what = f"the {want['aggregate']} of {want.get('field') or 'the rows'}"
    if want.get("timeUnit"):
        what += f" by {want['timeUnit']}"
    t = _type_words(want.get("type"))
    return what + (f" ({t})" if t else "")


def _filter_words(f: dict) -> str:
    conds = []
    if "range" in f:
        conds.append(f"between {f['range'][0]} and {f['range'][1]}")
    if "oneOf" in f:
        conds.append("one of " + ", ".join(map(str, f["oneOf"])))
    words = {"equal": "equal to", "gte": "at least", "lte": "at most", "gt": "above", "lt": "below"}
    conds += [f"{words[k]} {f[k]}" for k in words if k in f]
    return f"keep only some rows: filter on {f['field']}" + (f" ({'; '.join(conds)})" if conds else "")


def chart_requirements(chart, spec: dict, overall=None) -> list[tuple[str, bool, str]]:
    """Each requirement of a chart question as (plain words, met?, what is wrong when not met).

    Each requirement is checked on its own with :func:`course.chartcheck.check_chart`, so a chart of the
    wrong kind still hears which encodings are right. Uses ``CheckResult.checks`` when chartcheck fills it.
    """
    from ..chartcheck import check_chart

    overall = overall if overall is not None else check_chart(chart, spec)
    given = getattr(overall, "checks", None) or []
    if given and all(isinstance(c, (tuple, list)) and len(c) >= 2 for c in given):
        return [(str(c[0]), bool(c[1]), str(c[2]) if len(c) > 2 else "") for c in given]
    reqs: list[tuple[str, dict]] = []
    marks = spec.get("mark")
    if marks:
        ms = [marks] if isinstance(marks, str) else list(marks)
        reqs.append((f"mark should be {' or '.join(ms)}", {"mark": marks}))
    for ch, want in (spec.get("encoding") or {}).items():
        reqs.append((f"{ch} must be {_want_words(want)}", {"encoding": {ch: want}}))
    for ch in spec.get("forbid_channels") or []:
        reqs.append((f"{ch} must not be used", {"forbid_channels": [ch]}))
    filters = list(spec.get("filters") or []) + ([{"field": spec["filter_field"]}] if spec.get("filter_field") else [])
    for f in filters:
        reqs.append((_filter_words(f), {"filters": [f]}))
    agg = spec.get("aggregate")
    if agg:
        reqs.append((f"{agg.get('field')} must be aggregated with {agg.get('op', 'an aggregate')}", {"aggregate": agg}))
    cols = spec.get("data_columns") or []
    if cols:
        reqs.append((f"the data must have the column{'s' if len(cols) > 1 else ''} {', '.join(cols)}",
                     {"data_columns": cols, "dataset": spec.get("dataset")}))
    out = []
    for text, sub in reqs:
        res = check_chart(chart, sub)
        out.append((text, bool(res.ok), " ".join(res.problems)))
    return out


def _show_in(out: w.Output, chart) -> None:
    """Put the chart into an Output widget (only inside IPython, where it can be rendered)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is None:
        return
    try:
        out.append_display_data(chart)
    except Exception:  # a chart that cannot render is still checked from its spec
        pass


@dataclass
class ChartCheck:
    """What :meth:`SelfCheck.check_chart` found: ``ok``, the ``score`` out of ``points``, and each
    requirement as (plain words, met?, what is wrong). Displayed, it shows the chart beside the list."""

    ok: bool
    score: float
    points: float
    requirements: list = field(default_factory=list)
    message: str = ""
    chart: object = field(default=None, repr=False)
    html: str = field(default="", repr=False)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failed(self) -> list[str]:
        return [text for text, ok, _ in self.requirements if not ok]

    def __repr__(self) -> str:
        if self.chart is None:
            return f"ChartCheck: {self.message}"
        met = sum(1 for _, ok, _ in self.requirements if ok)
        return (f"ChartCheck: {met} of {len(self.requirements)} requirements met; "
                f"score {self.score:g} / {self.points:g}")

    def view(self) -> w.Widget:
        """The chart beside the requirement list."""
        out = w.Output(layout=w.Layout(flex="0 1 auto", max_width="60%"))
        if self.chart is not None:
            _show_in(out, self.chart)
        return w.HBox([out, w.HTML(self.html, layout=w.Layout(flex="1 1 auto", padding="0 0 0 12px"))])

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.view())


class AnswerHelper(w.VBox):
    """Graded notebooks: pick with the keyboard or the mouse, get the answer line to paste.

    Knows the *form* of the answer (how many statements, which speakers, how many letters), never the key:
    it checks nothing.
    """

    def __init__(self, variable: str, kind: str, n: int | None = None, choices: list[str] | None = None) -> None:
        self.variable, self.kind, self.n = variable, kind, n or 4
        if kind == "attribution":
            self.controls = [w.Dropdown(options=[PLACEHOLDER, *(choices or [])], value=PLACEHOLDER,
                                        description=f"Statement {k}", tooltip=f"Who said or held statement {k}?",
                                        style=_LABEL) for k in range(1, self.n + 1)]
        elif kind == "multiple_choice":
            letters = list(LETTERS[: self.n])
            self.controls = [w.RadioButtons(options=letters, value=None, description="Your answer", style=_LABEL,
                                            tooltip=f"Choose one letter, A to {letters[-1]} "
                                                    "(arrow keys move between them)")]
        elif kind == "chronology":
            ordinal = lambda k: ["1st (earliest)", "2nd", "3rd"][k] if k < 3 else f"{k + 1}th"  # noqa: E731
            self.controls = [w.Dropdown(options=[PLACEHOLDER, *LETTERS[: self.n]], value=PLACEHOLDER,
                                        description=ordinal(k), tooltip=f"Which letter comes {ordinal(k)}?",
                                        style=_LABEL) for k in range(self.n)]
        else:
            raise ValueError(f"no answer helper for {kind!r} questions")
        self.button = w.Button(description="Write my answer line", button_style="primary",
                               tooltip="Writes the line to paste into the answer cell; it checks nothing")
        self.out = w.HTML(_status(""))
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
        self.out.value = _status("Copy this line into the answer cell below (this helper does not check "
                                 f"anything):<br><code>{html.escape(line)}</code>")
        return line
