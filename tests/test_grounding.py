"""The deterministic checker on hand-made cases: supported, unsupported, partial."""

from rag.answer.grounding import check_answer, check_claim, lexical_support, split_claims

P = {
    1: "Russian Ambassador to Afghanistan Dmitry Zhirnov met Amir Khan Muttaqi in Kabul on Thursday.",
    2: "The Soviet Union's invasion of Afghanistan in 1979 cost Moscow over 15,000 personnel.",
}


def test_supported_claim_with_exact_names_and_paraphrased_words():
    c = check_claim("Dmitry Zhirnov met Muttaqi in Kabul [1].", (1,), P)
    assert c.supported and c.support == 1.0 and c.missing == ()


def test_wrong_name_is_unsupported_and_named():
    c = check_claim("Sergey Lavrov met Muttaqi in Kabul [1].", (1,), P)
    assert not c.supported
    assert "sergey" in c.missing and "lavrov" in c.missing


def test_wrong_number_is_unsupported():
    c = check_claim("The invasion cost Moscow over 25,000 personnel [2].", (2,), P)
    assert not c.supported and "25000" in c.missing


def test_claim_cited_to_the_wrong_passage_is_unsupported():
    assert not check_claim("The invasion was in 1979 [1].", (1,), P).supported
    assert check_claim("The invasion was in 1979 [2].", (2,), P).supported


def test_partial_support_is_measured_and_fails_below_threshold():
    c = check_claim("Zhirnov met Muttaqi and signed a secret weapons treaty with generous loans [1].", (1,), P)
    assert not c.supported
    assert 0 < c.support < 1
    assert "treaty" in " ".join(c.missing)


def test_number_words_match_digits():
    assert check_claim("Four countries did it [1].", (1,), {1: "It became the 4th of 4 countries."}).supported


def test_claim_without_marker_is_unsupported():
    claims = check_answer("Zhirnov met Muttaqi. He was in Kabul [1].", P)
    assert [c.supported for c in claims] == [False, True]
    assert claims[0].missing == ("no citation",)


def test_marker_pointing_to_no_passage_supports_nothing():
    assert not check_claim("Zhirnov met Muttaqi [7].", (7,), P).supported


def test_split_claims_keeps_markers_placed_after_the_full_stop():
    claims = split_claims("Zhirnov is the envoy. [1] The war began in 1979. [2]")
    assert [c.markers for c in claims] == [(1,), (2,)]


def test_lexical_baseline_is_independent_and_bounded():
    assert lexical_support("Zhirnov met Muttaqi [1]", P[1]) == 1.0
    assert lexical_support("Lavrov met Putin", P[1]) == 1 / 3
