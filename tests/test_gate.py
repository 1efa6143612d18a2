import json

from rag import gate


def test_expected_answer_types():
    assert gate.expected_type("How many personnel did Moscow lose?") == "number"
    assert gate.expected_type("What year did the Taliban return?") == "year"
    assert gate.expected_type("On what date did the talks start?") == "date"
    assert gate.expected_type("In which month did they return?") == "month"
    assert gate.expected_type("What kind of approach did he urge when dealing with Kabul?") == ""
    assert gate.expected_type("What is the name of the envoy?") == "name"
    assert gate.expected_type("When is the second round?") == "time"
    assert gate.expected_type("Who is Russia's ambassador?") == "name"
    assert gate.expected_type("What did Lavrov praise?") == ""


def test_span_type_checks():
    assert gate.fits_type("over 15,000", "number") and gate.fits_type("nine-year conflict", "number")
    assert not gate.fits_type("the Kremlin", "number")
    assert gate.fits_type("on Thursday", "time") and gate.fits_type("in August 2021", "time")
    assert not gate.fits_type("in Kabul", "time")
    assert gate.fits_type("Dmitry Zhirnov", "name", "Who is the ambassador?")
    assert not gate.fits_type("the Taliban government", "name", "Who leads the Taliban?")  # nothing new
    assert not gate.fits_type("in 2021", "date") and gate.fits_type("June 2", "date")
    assert gate.fits_type("in August 2021", "month") and not gate.fits_type("in 2021", "month")
    assert gate.fits_type("anything", "")


def test_echo_of_the_question_is_not_an_answer():
    assert gate.echoes_question("the Russian President", "Who is the Russian President's envoy?")
    assert not gate.echoes_question("Zamir Kabulov", "Who is the Russian President's envoy?")


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
