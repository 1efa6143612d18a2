"""Answer types from the question's wh-word and head noun, and spans checked with spaCy's entity recogniser.

Hand-made questions and sentences (not dev or benchmark questions); they run the real small English pipeline.
"""

import pytest

from rag.answer import answer_types as at


@pytest.mark.parametrize("question, kind", [
    ("How many lanes does the new bridge have?", "number"),
    ("How much did the museum pay for the painting?", "number"),
    ("What is the estimated cost of the repairs?", "number"),
    ("How long did the strike last?", "duration"),
    ("What percentage of nurses voted yes?", "share"),
    ("In what year was the library founded?", "year"),
    ("Which month will the festival start?", "month"),
    ("On what date does the ferry resume?", "date"),
    ("What day of the week was the match played?", "weekday"),
    ("When did the ferry stop running?", "time"),
    ("Where will the summit take place?", "place"),
    ("Who is the harbour master?", "person"),  # who + "to be" + a noun: a person, whatever the noun
    ("Who was the first violinist?", "person"),
    ("What is the name of the new coach?", "person"),
    ("Who sued the ferry operator?", "name"),  # a person, a firm or a town may sue
    ("In which town did the parade end?", "geo"),
    ("Which coastal countries signed the treaty?", "geo"),
    ("Which regional airline cancelled its flights?", "org"),
    ("What breed of dog won the show?", ""),
    ("What did the mayor promise?", ""),
    ("Why did the bridge close?", ""),
])
def test_expected_type(question, kind):
    assert at.expected_type(question) == kind


def test_head_noun_skips_modifiers_and_reads_plurals():
    assert at.head_noun("Which small coastal towns flooded?") == "town"
    assert at.head_noun("Which home appliance brand recalled a heater?") == "brand"
    assert at.head_noun("What did the council decide?") == ""
    assert at.wants_list("Which coastal towns flooded?") and not at.wants_list("Which coastal town flooded?")
    assert not at.wants_list("Which dogs won prizes?")  # a plural with no named kind asks for no list of names


def test_entities_are_cached_and_batched():
    text = "Mayor John Smith opened the Harbour Bridge in Lisbon on Tuesday."
    at.prefetch([text, text])
    labels = {e.text: e.label for e in at.entities(text)}
    assert labels.get("John Smith") == "PERSON" and labels.get("Lisbon") == "GPE"
    assert at.entities(text) is at.entities(text)  # the second call reads the cache
    assert at.entities("   ") == ()


def test_spans_are_read_in_the_context_of_their_sentence():
    sentence = "The contract went to Nordvik Shipping, a ferry operator based in Bergen, on Monday."
    q = "Which company won the contract?"
    assert at.fits_type("Nordvik Shipping", "org", q, context=sentence)
    assert not at.fits_type("Bergen", "org", q, context=sentence)  # a city is no company
    assert at.fits_type("in Bergen", "place", "Where is the operator based?", context=sentence)
    assert at.fits_type("on Monday", "weekday", "What day was it signed?", context=sentence)
    assert not at.fits_type("a ferry operator", "org", q, context=sentence)  # no name in it


def test_a_span_must_cover_a_whole_entity():
    sentence = "The award went to Anna Berg of Lisbon."
    q = "Who won the award?"
    assert at.fits_type("Anna Berg", "person", q, context=sentence)
    assert not at.fits_type("Anna", "person", q, context=sentence, whole=True)  # the name goes on
    assert at.fits_type("Anna", "person", q, context=sentence)  # after decoding, part of a name is a name


def test_names_must_be_new_to_the_question():
    q = "Which Portuguese firm built the bridge?"
    assert not at.fits_type("Portugal", "org", q)  # the question's own demonym
    assert at.fits_type("Ponte Construções", "org", q, context="The bridge was built by Ponte Construções.")
    assert not at.fits_type("the Lisbon Harbour", "name", "Who manages the Lisbon Harbour?")


def test_people_are_not_countries_or_institutions():
    q = "Who is the harbour master?"
    assert at.fits_type("Anna Berg", "person", q, context="The harbour master, Anna Berg, said so.")
    assert not at.fits_type("Portugal", "person", q, context="Portugal named a new harbour master.")
    assert not at.fits_type("the Port Authority of Lisbon", "person", q,
                            context="The Port Authority of Lisbon named a new harbour master.")


def test_numbers_dates_and_durations():
    assert at.fits_type("about 3,200", "number") and at.fits_type("nine lanes", "number")
    assert not at.fits_type("many lanes", "number") and not at.fits_type("the mayor", "number")
    assert not at.fits_type("in 2019", "number", context="It opened in 2019 after delays.")  # a year is no count
    assert at.fits_type("in May 2019", "month", context="It opened in May 2019.")
    assert not at.fits_type("in 2019", "month", context="It opened in 2019.")
    assert at.fits_type("in 2019", "year", context="It opened in 2019.")
    assert at.fits_type("March 3", "date", context="It reopens on March 3.")
    assert not at.fits_type("in 2019", "date", context="It opened in 2019.")
    assert at.fits_type("six weeks", "duration", context="The strike lasted six weeks.")
    assert at.fits_type("45%", "share", context="Turnout was 45% this year.")
    assert at.fits_type("anything at all", "")


def test_unlabelled_capitalised_runs_can_answer_which_questions():
    ents = at.unlabelled_names("The Riverside Rovers beat a side from Kettering.", ())
    assert [e.text for e in ents][:1] == ["Riverside Rovers"]
    assert at.fits_type("the Riverside Rovers", "org", "Which team won the cup?",
                        context="The cup went to the Riverside Rovers on Saturday.")


def test_who_asks_for_a_person_firm_or_group_not_a_place():
    q = "Who is Norway sending to the talks?"
    assert not at.fits_type("Sweden", "name", q, context="Norway is sending a delegation to Sweden.")
    assert at.fits_type("Anna Berg", "name", q, context="Norway is sending Anna Berg to the talks.")


def test_a_name_labelled_a_person_once_is_a_person_everywhere():
    whole = "The talks were led by Anna Berg and Tom Harris."
    alone = "Harris said little."
    at.prefetch([whole, alone])
    person = [e for e in at.entities(whole) if e.text == "Tom Harris"]
    assert person and person[0].label == "PERSON"
    harris = [e for e in at.entities(alone) if e.text == "Harris"]
    assert not harris or at.fits_entity(harris[0], "person", "Who spoke?")
