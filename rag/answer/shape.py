"""What shape of answer a question asks for: a short factoid, or an open answer (summary, why, how, list, yes/no,
compare, timeline). Read from the question words and spaCy's parse, the way question classifiers have done since
Li & Roth (2002): the wh-word, the auxiliary that opens a yes/no question, the head noun of "what"/"which".

>>> [shape_of(q) for q in ("Who is Russia's ambassador?", "Why did Russia act?", "Summarize the talks.")]
['factoid', 'why', 'summary']
>>> [shape_of(q) for q in ("Is the ban still in force?", "How did Kabul react?", "How many died?")]
['yesno', 'how', 'factoid']
>>> [shape_of(q) for q in ("What kinds of aid were promised?", "What happened, in order?", "Compare A and B.")]
['list', 'timeline', 'compare']
"""

from __future__ import annotations

import re

from . import answer_types

FACTOID = "factoid"
OPEN_SHAPES = ("summary", "why", "how", "list", "yesno", "compare", "timeline")
SHAPES = (FACTOID, *OPEN_SHAPES)

# Polite or conversational openings that wrap the real question: "Can you summarize ..." is a summary, not a
# yes/no question about the assistant's abilities.
_WRAPPER = re.compile(
    r"^(?:(?:and|but|so|ok|okay|also|now|then|please|hi|hey)[,!]?\s+)*"
    r"(?:(?:can|could|would|will) you (?:please )?|please |i(?:'d| would) like (?:to know |you to )?|"
    r"i want to know |do you know |tell me,? (?=why|how|what|who|when|where|which|whether|if))?", re.I)
_TIMELINE = re.compile(
    r"\btimeline\b|\bchronolog|\bin (?:chronological |what |the )?order\b|\bhistory of\b|\bsequence of events\b"
    r"|\bstep by step\b|\bwhat led up to\b"
    r"|\bhow (?:has|have|did) .{3,80}\b(?:evolve|develop|unfold|grow|grew|progress|escalate)(?:d|ed|s)?\b"
    r"|\bwhat (?:has )?happened (?:so far|since|over time)\b")
_COMPARE = re.compile(
    r"^compare\b|\bcompared? (?:to|with)\b|\bdifferences?\b|\bdiffer\b|\bdifferent (?:from|than|to)\b"
    r"|\bsimilarit|\bversus\b|\bvs\.?\s"
    r"|\bhow (?:do|does|did|are|is|were|was) .{3,80}\band\b.{3,80}\b(?:differ|compare|contrast)")
_WHY = re.compile(
    r"^why\b|\bwhy (?:did|do|does|is|are|was|were|has|have|had|would|will|should|could)\b|^explain why\b"
    r"|\bwhat (?:was|is|were|are) (?:the )?(?:main |key |stated |official )?"
    r"(?:reasons?|motives?|motivations?|causes?|rationale|purpose)\b"
    r"|\bwhat (?:caused|prompted|motivated|drove|led to)\b|\bfor what reasons?\b|\breasons? (?:for|behind)\b")
_SUMMARY = re.compile(
    r"^(?:summari[sz]e|sum up|recap|overview|describe|explain|brief me|catch me up|give (?:me )?(?:an? |the )?"
    r"(?:short |quick |brief )?(?:overview|summary|rundown|recap|update|gist))\b"
    r"|^what (?:came|has come|will come) (?:out )?of\b|^what(?:'s| is) the (?:\w+ )?(?:picture|background|context)\b"
    r"|^what(?:'s| is| was| has been) (?:going on|happening|the latest|the story|new)\b"
    r"|^what (?:has |had )?happened\b|^tell me (?:about|more)\b|^(?:any|what) (?:more|else) (?:on|about)\b"
    r"|^what do (?:the|these) (?:articles|reports|sources|stories) say\b|^what do (?:we|you) know about\b"
    r"|^what (?:is|was) (?:known|reported) about\b")
_HOW = re.compile(
    r"^how (?:\w+ly )?(?:did|do|does|has|have|had|is|are|was|were|will|would|could|can|might|should)\b"
    r"|^in what ways?\b"
    r"|^what (?:is|was|are|were|has been) (?:the )?(?:\w+ )?(?:reaction|response|impact|effect|significance|role"
    r"|position|stance|view|attitude|outcome|consequence|implication)s?\b"
    r"|^what (?:did|does|do|has|have|will) .{2,80}\b(?:say|said|think|do|done|plan|want|mean|announce|propose"
    r"|claim|argue|promise|demand)\b")
# "What kinds of aid ...?" asks for several things; "What kind of approach ...?" for one (a factoid).
_LIST = re.compile(r"\bwhat (?:kinds|types|sorts|forms) of\b|^(?:list|name|enumerate)\b")
_YESNO = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may|might|must|isn't|aren't"
    r"|wasn't|weren't|doesn't|didn't|hasn't|haven't)\b")
# Quantities and times that "how" asks for are factoids ("how many", "how long"), as are single-entity "which".
_HOW_FACTOID = re.compile(r"^how (?:many|much|long|old|far|often|big|large|high|soon|tall|fast)\b")


# A clause before the question proper: "During the visit, did the UK agree ...?", "After the vote, why did ...?"
_LEADING_CLAUSE = re.compile(
    r"^(?:during|after|before|since|following|in|on|at|with|given|despite|amid)\b[^,?]{2,80},\s*")


def unwrap(question: str) -> str:
    """The question without polite wrappers or a leading clause, lower case.

    >>> unwrap("Okay, can you please summarize the talks?"), unwrap("During the visit, did the UK agree?")
    ('summarize the talks?', 'did the uk agree?')
    """
    q = " ".join(question.split()).lower().replace("’", "'")
    q = _WRAPPER.sub("", q, count=1).strip()
    return _LEADING_CLAUSE.sub("", q, count=1)


def shape_of(question: str) -> str:
    """One of SHAPES (see the module docstring). Of several sentences, the question is the last one that asks
    ("Phil saw his shadow. Is his forecast reliable?").

    >>> shape_of("The bank raised rates. Why did it do that?")
    'why'
    """
    asked = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(question.split())) if s.strip()]
    question = next((s for s in reversed(asked) if s.endswith("?")), question) if len(asked) > 1 else question
    q = unwrap(question)
    if not q:
        return FACTOID
    if _TIMELINE.search(q):
        return "timeline"
    if _COMPARE.search(q):
        return "compare"
    if _WHY.search(q):
        return "why"
    if _SUMMARY.search(q):
        return "summary"
    if _LIST.search(q) or _plural_open_head(question):
        return "list"
    if _HOW_FACTOID.search(q):
        return FACTOID
    if _HOW.search(q):
        return "how"
    if _YESNO.search(q) and not re.search(r"\bor\b", q):  # "Is it A or B?" asks to choose: a factoid
        return "yesno"
    return FACTOID


def _plural_open_head(question: str) -> bool:
    """"What measures did they agree?", "What are the main concerns?": a plural head noun that is no entity kind.
    "Which countries ...?" asks for named things (a factoid list the copy reader answers)."""
    text = " ".join(question.split())
    text = re.sub(r"\b(what|which) (are|were|have been) (the )?", r"\1 ", text, flags=re.I)
    head, plural = answer_types.head_noun_number(text)
    return plural and bool(head) and head not in answer_types.HEAD_KINDS
