"""Prompt templates as named constants, so a prompt change is a reviewable diff.

Two styles, chosen from the model: a GGUF with a chat template gets CHAT_*; a base model (no template,
like the default Gemma 3 270M) gets a few-shot completion prompt, because zero-shot instructions make a
base model echo the prompt. The few-shot examples are invented and unrelated to any corpus, so they teach
the format ("copy a short span, cite its number") without leaking answers.
"""

from __future__ import annotations

# The fixed head of every completion prompt: identical bytes each time, so llama.cpp reuses its KV cache.
FEW_SHOT_PREFIX = """Each answer is a short phrase copied word for word from one numbered source.

Sources:
[1] The bridge over the Tana river was opened in 1998 by the regional governor, Paula Meres.
[2] Traffic on the bridge has doubled since a new highway linked it to the port of Ulvik.
Question: Who opened the bridge over the Tana river?
Answer: the regional governor, Paula Meres

Sources:
[1] Heavy rain forced organisers to delay the Harbour Marathon by two hours on Sunday.
[2] More than 4,000 runners had registered for the race, a record for the city.
Question: How many runners had registered?
Answer: More than 4,000 runners

Sources:
[1] The company said profits rose 12 percent in the third quarter.
[2] Its chief executive, Omar Vance, will step down in March after nine years in the job.
Question: When will Omar Vance leave his post?
Answer: in March

Sources:
[1] Mayor Lena Ortiz thanked Tom Reyes, the city's fire chief, after the flood, calling it "a hard week".
[2] The flood damaged 300 homes along the river.
Question: Who is the city's fire chief?
Answer: Tom Reyes

Sources:
[1] Farmers in the valley switched from wheat to lavender after three dry summers.
[2] The lavender is sold to perfume makers in Grasse, France.
Question: Where is the lavender sold?
Answer: to perfume makers in Grasse, France
"""

COMPLETION_QUERY = """
Sources:
{sources}
Question: {question}
Answer:"""

SOURCE_LINE = "[{n}] {text}"

# ---- chat style (a GGUF with a chat template). The system prompt and the worked examples are a fixed prefix (the
# same bytes each time, so llama.cpp reuses their KV cache); only the last user turn changes. The examples are
# invented, like the few-shot ones above: two answers in the source's words with the marker after them (one from the
# second source) and one question the sources come close to but do not answer. With two such declines among four
# examples both Qwen presets declined a third of answerable dev questions (measured 2026-11-28).
CHAT_SYSTEM = (
    "You answer questions about news articles using only the numbered sources the user gives. "
    "Reply with one short sentence that answers the question in the words of the source, then the number of "
    "that source in square brackets, like: The bridge opened in 1998 [2]. Copy names and numbers exactly. "
    "Answer whenever a source states the answer, even in other words. Only if no source answers the question, "
    "reply exactly: NOT IN SOURCES"
)

CHAT_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("user", """Sources:
[1] Traffic on the bridge has doubled since a new highway linked it to the port of Ulvik.
[2] The bridge over the Tana river was opened in 1998 by the regional governor, Paula Meres.

Question: Who opened the bridge over the Tana river?"""),
    ("assistant", "The regional governor, Paula Meres, opened the bridge over the Tana river [2]."),
    ("user", """Sources:
[1] The company said profits rose 12 percent in the third quarter.
[2] Its chief executive, Omar Vance, will step down in March after nine years in the job.

Question: Who will replace Omar Vance as chief executive?"""),
    ("assistant", "NOT IN SOURCES"),
    ("user", """Sources:
[1] More than 4,000 runners had registered for the Harbour Marathon, a record for the city.
[2] Heavy rain forced organisers to delay the race by two hours on Sunday.

Question: How many runners had registered for the marathon?"""),
    ("assistant", "More than 4,000 runners had registered for the Harbour Marathon [1]."),
)

CHAT_USER = """Sources:
{sources}

Question: {question}"""

# The answer is one sentence on one line: a newline or a new turn ends it (a runaway list of markers or a
# repeated phrase never gets past the line it started on).
CHAT_STOP = ("\n", "<|im_end|>", "<|endoftext|>", "Question:", "Sources:")
CHAT_MAX_TOKENS = 80  # one sentence with its marker; a longer reply is a loop

# The answer's shape as a GBNF grammar (llama.cpp enforces it while decoding): the decline, or one or two sentences,
# each text first and then exactly one marker. A reply of markers only, a run of markers, or a marker before its
# sentence cannot be produced at all.
CHAT_GRAMMAR = r"""
root ::= "NOT IN SOURCES" | sentence (" " sentence)?
sentence ::= [A-Za-z0-9"“'($£€] [^\[\]\n]* " [" [1-9] "]" "."?
"""


# Stop sequences for the completion style: the answer is one line.
COMPLETION_STOP = ("\n", "Question:", "Sources:")

ABSTAIN_MESSAGE = "The articles don't say. Closest passages I found:"


# ---- open answers (summary, why, how, list, yes/no, compare, timeline) written by a chat model. The reader sees the
# sentences chosen for the question (rag/answer/selection.py), numbered, and writes a few sentences, each ending with
# the marker of the sentence it restates; the grounding check then verifies each one alone. The system prompt and the
# worked example are a fixed prefix (KV-cached); the shape's instruction goes in the last user turn. The example is
# invented and unrelated to any corpus.
OPEN_SYSTEM = (
    "You answer questions about news articles using only the numbered passages the user gives. Write a short "
    "answer of two to five sentences. Each sentence restates what one passage says, in plain words, and ends with "
    "that passage's number in square brackets, like: The bridge opened in 1998 [2]. Copy names, numbers and dates "
    "exactly. Never add facts, opinions or background that the passages do not state. Use the passages that "
    "answer the question and skip the others. Only if no passage helps answer the question, reply exactly: "
    "NOT IN SOURCES"
)

OPEN_EXAMPLES: tuple[tuple[str, str], ...] = (
    ("user", """Passages:
[1] The city council voted on Monday to close the Old Harbour bridge to cars from June.
[2] Council members said repairs would cost 40 million euros and the bridge was no longer safe for heavy traffic.
[3] Shop owners near the bridge warned that fewer visitors would reach the old town.
[4] The mayor, Ines Dahl, said cyclists and pedestrians could still use the bridge.

Why did the council close the bridge to cars? Answer in two to five sentences."""),
    ("assistant", "The council said the Old Harbour bridge was no longer safe for heavy traffic [2]. Repairs would "
                  "cost 40 million euros [2]. Cyclists and pedestrians can still use it [4]."),
)

OPEN_USER = """Passages:
{sources}

{question} {instruction}"""

# What each shape asks of the writer, appended to the question.
OPEN_INSTRUCTIONS = {
    "summary": "Answer in two to five sentences that cover the main points.",
    "why": "Give the reasons the passages state, in two to five sentences.",
    "how": "Describe it in two to five sentences.",
    "list": "Answer as a list: one item per line, each line starting with \"- \" and ending with its marker.",
    "yesno": "Start with \"Yes.\", \"No.\" or \"The articles don't say.\", then give the evidence in one to four "
             "sentences.",
    "compare": "Say what differs and what is shared, in two to five sentences.",
    "timeline": "List the events one per line, each line starting with \"- \" and ending with its marker.",
}
OPEN_STOP = ("<|im_end|>", "<|endoftext|>", "Passages:", "\n\n")
OPEN_MAX_TOKENS = 220  # five sentences of ~30 words; more is a loop (and ~20 s of decoding for the 1.5B on 2 cores)

# Answer shapes as GBNF. Every sentence or line ends with one or two markers; a sentence's own text holds no marker
# and no ". " (a second sentence must carry its own marker), so no claim goes uncited.
_OPEN_PARTS = r"""
sentence ::= start body marks "."
line ::= "- " start body marks "."?
start ::= [A-Za-z0-9"“'($£€]
body ::= ([^\[\]\n.] | "." [^ \n\[\]])*
marks ::= " [" [1-9] "]" (" [" [1-9] "]")?
"""
OPEN_GRAMMARS = {
    "paragraph": r'root ::= "NOT IN SOURCES" | sentence (" " sentence){0,5}' + _OPEN_PARTS,
    "bullets": r'root ::= "NOT IN SOURCES" | line ("\n" line){0,6}' + _OPEN_PARTS,
    "yesno": r'''root ::= "NOT IN SOURCES" | verdict " " sentence (" " sentence){0,4}
verdict ::= "Yes." | "No." | "The articles don't say."''' + _OPEN_PARTS,
}
