"""Checks of the question banks as instruments (docs/content-format.md), for ``course validate``.

Schema problems come from :meth:`course.questions.Bank.problems`; here are the rules that make a bank
measure historical thinking and resist a student who games the form:

- every question has a ``skill`` from :data:`course.questions.SKILLS`;
- graded: per unit ≥ 3 auto-graded items of ≥ 2 kinds, ≥ 2 items of sourcing, contextualization,
  corroboration or close reading, and an essay; recall ≤ 30 % of all graded items;
- multiple choice: 4 options, no "all/none of the above"; the key is the longest option in at most a third
  of the items, and keys are on average at most 1.25 × as long as their distractors;
- numeric items read a dataset through ``compute``, and ``answer`` equals what it gives;
- the two banks share no question text and no quotation; graded attribution items use the graded pool.

``python -m course_instructor.bankcheck [UNIT ...]`` prints the problems and the counts by kind and skill.
"""
from __future__ import annotations

import re
import sys
from collections import Counter

from course.questions import AUTO_KINDS, PRACTICE, SKILLS, THINKING, Bank, Question

from .bank import GRADED

RECALL_SHARE = 0.30
LONGEST_KEY_SHARE = 1 / 3
KEY_LENGTH_RATIO = 1.25
BANNED_OPTION = re.compile(r"\b(all|none|both) of the (above|these)\b", re.I)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def skill_problems(questions: list[Question]) -> list[str]:
    return [f"{q.id}: skill {q.skill!r} is not one of {', '.join(SKILLS)}" for q in questions if q.skill not in SKILLS]


def choice_problems(questions: list[Question]) -> list[str]:
    """The multiple-choice form rules over a set of items (one bank, or one unit)."""
    mcs = [q for q in questions if q.kind == "multiple_choice" and len(q.choices) >= 2]
    out = [f"{q.id}: {len(q.choices)} options (write 4)" for q in mcs if len(q.choices) != 4]
    out += [f"{q.id}: option {c[:40]!r} — no 'all/none of the above'" for q in mcs for c in q.choices if BANNED_OPTION.search(c)]
    if not mcs:
        return out
    longest = [q.id for q in mcs if len(q.answer) >= max(len(c) for c in q.choices)]
    if len(longest) > LONGEST_KEY_SHARE * len(mcs):
        out.append(f"the key is the longest option in {len(longest)} of {len(mcs)} multiple-choice items "
                   f"(at most a third): {', '.join(longest[:8])}")
    ratios = [len(q.answer) / (sum(len(c) for c in q.choices if c != q.answer) / (len(q.choices) - 1)) for q in mcs]
    mean = sum(ratios) / len(ratios)
    if mean > KEY_LENGTH_RATIO:
        out.append(f"keys are on average {mean:.2f} × as long as their distractors (at most {KEY_LENGTH_RATIO})")
    return out


def compute_problems(questions: list[Question], graded: bool) -> list[str]:
    from course.scoring import compute

    out = []
    for q in questions:
        if q.kind != "numeric":
            continue
        if not q.compute:
            if graded:
                out.append(f"{q.id}: a graded numeric item must read a dataset through `compute`")
            continue
        try:
            got = compute(q.dataset, q.compute)
        except Exception as exc:  # a bad selector or column: say which
            out.append(f"{q.id}: compute fails: {exc}")
            continue
        if abs(got - float(q.answer)) > 1e-6 + 1e-9 * abs(got):
            out.append(f"{q.id}: answer {q.answer} but compute gives {got:g}")
        try:
            q.text
        except (KeyError, IndexError) as exc:
            out.append(f"{q.id}: the prompt names a row or column that is not there ({exc})")
    return out


def unit_problems(unit, graded: list[Question]) -> list[str]:
    auto = [q for q in graded if q.kind in AUTO_KINDS]
    out = []
    if len(auto) < 3 or len({q.kind for q in auto}) < 2:
        out.append(f"{unit.id}: {len(auto)} auto-graded items of {len({q.kind for q in auto})} kinds (≥ 3 of ≥ 2 kinds)")
    thinking = [q for q in graded if q.skill in THINKING]
    if len(thinking) < 2:
        out.append(f"{unit.id}: {len(thinking)} graded items of sourcing/contextualization/corroboration/close reading (≥ 2)")
    if not any(q.kind == "short_answer" for q in graded):
        out.append(f"{unit.id}: no graded essay")
    return out


def pool_problems(practice: Bank = PRACTICE, graded: Bank = GRADED) -> list[str]:
    out = []
    p_texts = {_norm(x.text): x.id for x in practice.quotes()}
    out += [f"quotation {x.id} stands in both pools ({p_texts[_norm(x.text)]})" for x in graded.quotes() if _norm(x.text) in p_texts]
    p_prompts = {_norm(q.prompt): q.id for q in practice.questions()}
    out += [f"{q.id} has the same text as practice item {p_prompts[_norm(q.prompt)]}" for q in graded.questions()
            if _norm(q.prompt) in p_prompts]
    p_ids = {q.id for q in practice.questions()}
    out += [f"{q.id} is in both banks" for q in graded.questions() if q.id in p_ids]
    return out


def check(units=None) -> tuple[list[str], dict]:
    """All problems (empty when the banks pass) and the counts by kind and skill."""
    from course.units import all_units

    units = all_units() if units is None else units
    graded_ids = {q for u in units for q in u.graded}
    practice_ids = {q for u in units for q in u.practice}
    graded = [q for q in GRADED.questions() if q.id in graded_ids]
    practice = [q for q in PRACTICE.questions() if q.id in practice_ids]
    out = [f"graded bank: {p}" for p in GRADED.problems()] + [f"practice bank: {p}" for p in PRACTICE.problems()]
    for u in units:
        out += [f"{u.id}: graded id {q} is not in the graded bank" for q in u.graded if q not in GRADED]
        out += [f"{u.id}: practice id {q} is not in the practice bank" for q in u.practice if q not in PRACTICE]
        out += [f"{u.id}: widget question {w['question']} is not a practice item" for w in u.widgets
                if w.get("question") and w["question"] not in PRACTICE]
        out += unit_problems(u, [q for q in graded if q.id in set(u.graded)])
    out += skill_problems(graded + practice)
    out += [f"graded: {p}" for p in choice_problems(graded)]
    out += compute_problems(graded, True) + compute_problems(practice, False)
    if graded:
        recall = sum(q.skill == "recall" for q in graded)
        if recall > RECALL_SHARE * len(graded):
            out.append(f"recall is {recall} of {len(graded)} graded items ({recall / len(graded):.0%}; at most 30 %)")
    if len(units) > 1:
        out += pool_problems()
    counts = {"graded": {"kind": Counter(q.kind for q in graded), "skill": Counter(q.skill for q in graded)},
              "practice": {"kind": Counter(q.kind for q in practice), "skill": Counter(q.skill for q in practice)}}
    return out, counts


def main(argv: list[str] | None = None) -> int:
    from course.units import all_units

    names = argv if argv is not None else sys.argv[1:]
    units = [u for u in all_units() if not names or u.id in names]
    problems, counts = check(units)
    for which, c in counts.items():
        print(f"{which}: {sum(c['kind'].values())} items · by kind {dict(sorted(c['kind'].items()))}"
              f" · by skill {dict(sorted(c['skill'].items()))}")
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
