import json

from rag.answer import answer_types, gate


def test_the_gate_asks_the_one_answer_types_module():
    assert gate.fits_type is answer_types.fits_type


def test_echo_of_the_question_is_not_an_answer():
    assert gate.echoes_question("the city council", "Who chairs the city council's budget committee?")
    assert not gate.echoes_question("Anna Berg", "Who chairs the city council's budget committee?")
    assert gate.echoes_question("", "Who chairs it?")


def test_calibrated_threshold_is_read_from_the_calibration_file(tmp_path, monkeypatch):
    f = tmp_path / "calibration.json"
    f.write_text(json.dumps({"threshold": 0.42}))
    monkeypatch.setattr(gate, "CALIBRATION_FILE", f)
    gate.calibrated_threshold.cache_clear()
    try:
        assert gate.calibrated_threshold() == 0.42
        f.write_text("not json")
        gate.calibrated_threshold.cache_clear()
        assert gate.calibrated_threshold() == 0.0
    finally:
        gate.calibrated_threshold.cache_clear()


class _Scored:
    """A stand-in RAG whose best shown sentence scores what a table says (calibration needs nothing else)."""

    def __init__(self, scores):
        self.scores = scores
        self.settings = type("S", (), {"top_k": 5, "max_passages": 0, "chunk_chars": 700})()
        self.embedder = None

    def passages(self, question, history=None):
        from types import SimpleNamespace

        return question, [SimpleNamespace(score=self.scores[question])]


def test_calibration_mixes_groups_and_benchmark_questions_pull_the_cut_down():
    from rag.evaluation.calibration import calibrate

    seed = _Scored({"a1": 0.9, "a2": 0.8, "u1": 0.5})
    rows = [{"question": "a1"}, {"question": "a2"}, {"question": "u1", "answerable": False}]
    alone = calibrate(seed, rows)
    archive = _Scored({f"q{i}": 0.2 + 0.01 * i for i in range(30)})
    mixed = calibrate(seed, rows, [("realtimeqa", archive, [{"question": f"q{i}"} for i in range(30)])])
    assert alone["threshold"] == 0.8 and alone["unanswerable_abstained"] == 1.0
    assert mixed["threshold"] < 0.3 and mixed["questions"]["realtimeqa"]["answerable"] == 30
    assert mixed["questions"]["realtimeqa"]["answerable_kept"] >= 0.95
