"""RealTime QA on a tiny synthetic benchmark folder (2 articles, 1 question) with fakes: corpus, index, scores."""

import json

import pytest

from rag.errors import BadInput
from rag.evaluation.rtqa import build_corpus, load_questions
from rag.evaluation.rtqa_report import table, write_realtimeqa
from rag.evaluation.rtqa_run import run_realtimeqa

BILLS = ("Damar Hamlin of the Buffalo Bills collapsed on the field on Monday night. "
         "The Buffalo Bills safety was taken to hospital in Cincinnati. Doctors said he was improving.")
POPE = ("Former Pope Benedict XVI was laid to rest on Thursday at the Vatican. "
        "Pope Francis presided over the funeral in St Peter's Square before tens of thousands of mourners.")


@pytest.fixture
def bench(tmp_path):
    folder = tmp_path / "realtimeqa"
    folder.mkdir()

    def art(url, title, text):
        return {"url": url, "title": title, "text": text, "authors": "[]", "publish_date": "2023/01/05"}

    rows = [
        {"question_id": "20230106_0", "search_time": "x", "search_result": [art("https://a/bills", "Hamlin", BILLS),
                                                                          art("https://a/pope", "Benedict", POPE)]},
        {"question_id": "20230106_1", "search_time": "x", "search_result": [art("https://a/bills", "Hamlin", BILLS),
                                                                          {"url": "https://a/empty", "title": "t"}]},
    ]
    (folder / "20230106_gcs.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    question = {"question_id": "20230106_0", "question_date": "2023/01/05", "question_source": "CNN",
                "question_url": "u", "question_sentence": "Damar Hamlin is a valued member of which team?",
                "choices": ["Pittsburgh Steelers", "Cincinnati Bengals", "Buffalo Bills", "Cleveland Browns"],
                "answer": ["2"], "evidence": "The Buffalo Bills player"}
    (folder / "20230106_qa.jsonl").write_text(json.dumps(question) + "\n", encoding="utf-8")
    return folder


def test_corpus_dedupes_by_url_and_keeps_metadata(bench, tmp_path):
    corpus = build_corpus(bench, tmp_path / "corpus")
    assert (corpus.articles, corpus.with_text, corpus.weeks) == (3, 2, 1)
    records = [json.loads(x) for x in (tmp_path / "corpus" / "rtqa_20230106.jsonl").read_text().splitlines()]
    assert [r["url"] for r in records] == ["https://a/bills", "https://a/pope"]
    assert records[0]["publish_date"] == "2023/01/05" and records[0]["title"] == "Hamlin"
    assert load_questions(bench)[0].correct == "Buffalo Bills"


def test_run_on_tiny_benchmark_then_reuse_the_index(bench, tmp_path, fake_rag, fake_generator):
    fake_generator.default = " Buffalo Bills"
    out = tmp_path / "out"
    rows, summary = run_realtimeqa(fake_rag, bench, out, progress=False)
    assert len(rows) == 1
    row = rows[0]
    assert row["answer_in_chunks"] and row["answer_in_articles"]
    assert row["mc_pick"] == 2 and row["mc_credit"] == 1.0
    assert row["answer_contains"] and not row["answer_contains_other"]
    ing = summary["ingest"]
    assert ing["added"] == 2 and ing["chunks"] >= 2 and not ing["reused"] and ing["index_mb"] > 0
    assert summary["metrics"]["mc_accuracy"] == 1.0 and summary["latency"]["retrieval_p50"] is not None
    assert (out / "realtimeqa-index").is_dir()
    # the product's own index is untouched: the benchmark has an index of its own
    assert all("rtqa_" not in c.source for c in fake_rag.store().all_chunks())

    rows2, summary2 = run_realtimeqa(fake_rag, bench, out, progress=False)
    assert summary2["ingest"]["reused"] and summary2["ingest"]["chunks_embedded"] == 0
    assert summary2["ingest"]["ingest_s"] == ing["ingest_s"]

    paths = write_realtimeqa(rows2, summary2, out)
    for p in paths.values():
        assert p.stat().st_size > 0
    text = table(summary2)
    assert "0.590 GPT-3 + search" in text and "multiple-choice accuracy" in text
    # the protocol's split: the one question (week 20230106) is a tune-week question, none is a report one
    assert row["week"] == "20230106" and row["split"] == "tune"
    splits = summary2["splits"]
    assert (splits["tune"]["questions"], splits["report"]["questions"], splits["all"]["questions"]) == (1, 0, 1)
    assert splits["tune"]["mc_accuracy"] == 1.0 and splits["report"]["mc_accuracy"] is None
    assert "tune (1)" in text and "report (0)" in text
    assert "report (0)" in (out / "report.md").read_text()
    assert json.loads((out / "summary.json").read_text())["splits"]["tune"]["answer_in_topk_chunks"] == 1.0


def test_weeks_split_into_tune_and_report_by_date_only():
    from rag.evaluation.rtqa import REPORT_WEEKS, TUNE_WEEKS, split_of
    from rag.evaluation.rtqa_run import split_figures

    assert not set(TUNE_WEEKS) & set(REPORT_WEEKS) and max(TUNE_WEEKS) < min(REPORT_WEEKS)
    assert [split_of(i) for i in ("20230113_7", "20230210", "20230224_0", "20221230_1", "")] == \
        ["tune", "tune", "report", "", ""]
    rows = [{"id": "20230120_1", "answer_in_chunks": True, "answer_contains": True, "abstained": False,
             "answer_contains_other": False, "mc_credit": 1.0},
            {"id": "20230127_2", "answer_in_chunks": False, "answer_contains": False, "abstained": True,
             "answer_contains_other": False, "mc_credit": 0.25},
            {"id": "20230303_9", "answer_in_chunks": True, "answer_contains": False, "abstained": False,
             "answer_contains_other": True, "mc_credit": 0.0},
            {"id": "20240105_0", "answer_in_chunks": True, "answer_contains": True, "abstained": False,
             "answer_contains_other": False, "mc_credit": 1.0}]  # a week of neither split counts in "all" only
    f = split_figures(rows)
    assert [f[s]["questions"] for s in ("tune", "report", "all")] == [2, 1, 4]
    assert f["tune"]["answer_in_topk_chunks"] == 0.5 and f["tune"]["mc_accuracy"] == 0.625
    assert f["tune"]["abstained"] == 0.5 and f["report"]["answer_contains_other_choice"] == 1.0
    assert f["all"]["answer_contains_correct"] == 0.5


def test_not_a_benchmark_folder(tmp_path):
    with pytest.raises(BadInput, match="No RealTime QA files"):
        load_questions(tmp_path)
