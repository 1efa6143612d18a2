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

CHAT_SYSTEM = (
    "You answer questions about news articles using only the numbered sources the user gives. "
    "Write one to three short sentences. End every sentence with the number of the source that supports it, "
    "like [2]. Copy names and numbers exactly as the sources write them. If the sources do not contain "
    "the answer, reply exactly: NOT IN SOURCES"
)

CHAT_USER = """Sources:
{sources}

Question: {question}"""

NOT_IN_SOURCES = "NOT IN SOURCES"

# Stop sequences for the completion style: the answer is one line.
COMPLETION_STOP = ("\n", "Question:", "Sources:")

ABSTAIN_MESSAGE = "The articles don't say. Closest passages I found:"
NO_INDEX_HINT = "Nothing is ingested yet: run `rag ingest seeds/` first."
