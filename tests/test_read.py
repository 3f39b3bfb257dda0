"""Readers: seed text format, JSONL, CSV, directories, and the errors they report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.read import ReadError, ReadReport, count_records, derive_title, detect_language, input_files, read_papers

SEP = "translated by 谷歌翻译"

EN_1 = ("Graph neural networks learn on molecules. They pass messages along bonds and "
        "predict properties of unseen compounds with good accuracy.")
ZH_1 = "联邦学习是一种保护隐私的机器学习框架。客户端在本地训练模型。"
EN_2 = "Large language models follow instructions. We study how."


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


def read_reported(*paths, columns=None):
    """The papers and the report of everything skipped or repaired."""
    from kg.read import Columns
    report = ReadReport()
    return list(read_papers([str(p) for p in paths], columns or Columns(), report)), report


def read(*paths):
    """The papers of clean input: nothing may be skipped."""
    papers, report = read_reported(*paths)
    assert not report.skipped, report.skipped
    return papers


# ------------------------------------------------------------------ seed format


def test_seed_format_ids_count_from_one_in_file_order(tmp_path):
    f = write(tmp_path / "abc_123.txt", f"{EN_1}\n{SEP}\n{ZH_1}\n{SEP}\n{EN_2}\n{SEP}\n")
    papers = read(f)
    assert [p.id for p in papers] == ["abc_123:1", "abc_123:2", "abc_123:3"]
    assert [p.text for p in papers] == [EN_1, ZH_1, EN_2]
    assert all(p.source == str(f) for p in papers)


def test_seed_format_language_is_detected_per_abstract(tmp_path):
    f = write(tmp_path / "s.txt", f"{EN_1}\n{SEP}\n{ZH_1}\n{SEP}\n{EN_2}\n{SEP}\n")
    assert [p.lang for p in read(f)] == ["en", "zh", "en"]


def test_seed_format_joins_wrapped_lines_and_skips_empty_blocks(tmp_path):
    text = f"\n\nFirst line of an abstract\n   continues here.\n{SEP}\n\n  \n{SEP}\n{SEP}\n{ZH_1}\n{SEP}\n"
    papers, report = read_reported(write(tmp_path / "s.txt", text))
    assert [(p.record, p.kind) for p in report.problems] == [("line 8", "skipped"), ("line 9", "skipped")]
    assert all("empty abstract" in p.reason for p in report.problems)
    assert [p.id for p in papers] == ["s:1", "s:2"]
    assert papers[0].text == "First line of an abstract continues here."
    assert papers[1].text == ZH_1


def test_seed_format_last_abstract_without_separator_is_kept(tmp_path):
    papers = read(write(tmp_path / "s.txt", f"{EN_1}\n{SEP}\n{EN_2}"))
    assert [p.id for p in papers] == ["s:1", "s:2"]
    assert papers[1].text == EN_2


def test_separator_must_be_a_line_of_its_own(tmp_path):
    # the marker inside a sentence is text, not a record boundary
    papers = read(write(tmp_path / "s.txt", f"An abstract quoting '{SEP}' inline.\n{SEP}\n"))
    assert len(papers) == 1


def test_utf8_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes(("\ufeff" + f"{EN_2}\n{SEP}\n").encode("utf-8"))
    [paper] = read(f)
    assert paper.text == EN_2
    assert paper.title.startswith("Large language models")


def test_seeds_ids_and_languages(seeds_dir):
    papers = read(seeds_dir)
    files = sorted(seeds_dir.glob("*.txt"))
    assert len(papers) == 20
    for f in files:
        ids = [p.id for p in papers if p.id.startswith(f.stem + ":")]
        assert ids == [f"{f.stem}:{n}" for n in range(1, len(ids) + 1)]
        assert len(ids) == sum(1 for line in f.read_text("utf-8").splitlines() if line.strip() == SEP)
    assert {p.lang for p in papers} == {"en", "zh"}
    for p in papers:
        assert p.lang == ("zh" if sum("\u4e00" <= c <= "\u9fff" for c in p.text) > len(p.text) / 4 else "en")
        assert 0 < len(p.title) <= 81


# ------------------------------------------------------------------ titles and language


@pytest.mark.parametrize("text, lang", [
    (EN_1, "en"),
    (ZH_1, "zh"),
    ("我们提出了一种基于GNN和LLM的新方法。", "zh"),  # Chinese with a few acronyms
    ("We evaluate BERT on 中文 benchmarks and English ones alike.", "en"),
    ("", "en"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_title_is_the_first_sentence_without_its_period():
    assert derive_title(EN_2, "en") == "Large language models follow instructions"


def test_long_english_title_is_cut_at_a_word_boundary():
    title = derive_title(EN_1.replace(".", ",", 1), "en")
    assert title.endswith("…")
    assert len(title) <= 81
    body = title[:-1]
    assert EN_1.replace(".", ",", 1).startswith(body)
    assert EN_1.replace(".", ",", 1)[len(body)] in " ,"  # not in the middle of a word


def test_long_chinese_title_is_short():
    text = "这是一个非常长的中文句子" * 10 + "。后面还有。"
    title = derive_title(text, "zh")
    assert len(title) <= 40
    assert title.endswith("…")
    assert text.startswith(title[:-1])


def test_chinese_title_ends_at_the_first_full_stop():
    assert derive_title(ZH_1, "zh") == "联邦学习是一种保护隐私的机器学习框架。"


def test_decimal_point_does_not_end_the_title_sentence():
    assert derive_title("GPT-3.5 is a large model. It works.", "en") == "GPT-3.5 is a large model"


# ------------------------------------------------------------------ JSONL and CSV


def test_jsonl_fields_title_and_meta(tmp_path):
    f = tmp_path / "recs.jsonl"
    rows = [
        {"id": "W1", "title": "  Given title ", "abstract": EN_1, "year": 2021, "doi": "10.1/x"},
        {"id": "W2", "abstract": ZH_1, "venue": None},
        {"id": "W3", "text": EN_2},  # `text` is accepted for the abstract
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    papers = read(f)
    assert [p.id for p in papers] == ["W1", "W2", "W3"]
    assert papers[0].title == "Given title"
    assert papers[0].meta == {"doi": "10.1/x", "year": "2021"}
    assert papers[1].title == derive_title(ZH_1, "zh") and papers[1].lang == "zh"
    assert papers[1].meta == {}  # null fields are not metadata
    assert papers[2].text == EN_2 and papers[2].lang == "en"


def test_jsonl_numeric_ids_are_ids(tmp_path):
    f = write(tmp_path / "n.jsonl", '{"id": 0, "abstract": "Zero."}\n{"id": 7, "abstract": "Seven."}\n')
    assert [p.id for p in read(f)] == ["0", "7"]


def test_csv_fields_title_meta_and_multiline_abstract(tmp_path):
    f = write(tmp_path / "recs.csv",
              'id,title,abstract,year\n'
              f'C1,My title,"{EN_1}",2020\n'
              f'C2,,"{ZH_1}\n第二行。",\n')
    papers = read(f)
    assert [p.id for p in papers] == ["C1", "C2"]
    assert papers[0].title == "My title" and papers[0].meta == {"year": "2020"}
    assert papers[1].text == ZH_1 + " 第二行。"
    assert papers[1].lang == "zh" and papers[1].meta == {}


def test_directory_reads_every_supported_file_sorted(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    write(d / "b.txt", f"{EN_1}\n{SEP}\n")
    write(d / "a.jsonl", json.dumps({"id": "J1", "abstract": EN_2}) + "\n")
    write(d / "sub" / "c.csv", f'id,abstract\nC1,"{ZH_1}"\n')
    write(d / "notes.md", "not an input")
    write(d / "z.pdf", "not an input either")
    assert [p.name for p in input_files([d])] == ["a.jsonl", "b.txt", "c.csv"]
    assert [p.id for p in read(d)] == ["J1", "b:1", "C1"]


def test_directory_order_is_sorted_not_creation_order(tmp_path):
    names = [f"{c}.txt" for c in "qwertyuiopasdfghjklzxcvbnm"]
    for name in names:  # created in keyboard order
        write(tmp_path / name, f"{EN_2} Case {name}.\n{SEP}\n")
    assert [p.name for p in input_files([tmp_path])] == sorted(names)
    assert [p.id for p in read(tmp_path)] == [f"{n[0]}:1" for n in sorted(names)]


def test_inputs_keep_command_line_order(tmp_path):
    b = write(tmp_path / "b.txt", f"{EN_1}\n{SEP}\n")
    a = write(tmp_path / "a.txt", f"{EN_2}\n{SEP}\n")
    assert [p.id for p in read(b, a)] == ["b:1", "a:1"]


# ------------------------------------------------------------------ errors


def assert_read_error(paths, *fragments, columns=None):
    """A record or file of `paths` is skipped, reported with every fragment in one line."""
    _, report = read_reported(*paths, columns=columns)
    messages = [str(p) for p in report.skipped]
    matching = [m for m in messages if all(fragment in m for fragment in fragments)]
    assert matching, messages
    assert "\n" not in matching[0]
    return matching[0]


def test_without_a_report_the_first_skip_raises(tmp_path):
    f = write(tmp_path / "bad.jsonl", json.dumps({"id": "a", "abstract": EN_2}) + "\n{not json\n")
    with pytest.raises(ReadError, match="bad.jsonl: line 2: invalid JSON"):
        list(read_papers([f]))


def test_bad_records_are_skipped_and_the_good_ones_kept(tmp_path):
    f = write(tmp_path / "mixed.jsonl", json.dumps({"id": "a", "abstract": EN_2}) + "\n{not json\n"
              + json.dumps({"id": "b", "abstract": EN_1}) + "\n")
    papers, report = read_reported(f)
    assert [p.id for p in papers] == ["a", "b"]
    assert [p.to_dict() for p in report.problems] == [
        {"file": str(f), "record": "line 2", "kind": "skipped", "reason": "invalid JSON (Expecting property name "
                                                                             "enclosed in double quotes)"}]


def test_invalid_json_line_names_file_and_line(tmp_path):
    f = write(tmp_path / "bad.jsonl", json.dumps({"id": "a", "abstract": EN_2}) + "\n\n{not json\n")
    assert_read_error([f], "bad.jsonl", "line 3", "invalid JSON")


def test_json_line_that_is_not_an_object(tmp_path):
    f = write(tmp_path / "list.jsonl", '["id", "abstract"]\n')
    assert_read_error([f], "list.jsonl", "line 1")


def test_jsonl_missing_abstract(tmp_path):
    f = write(tmp_path / "noabs.jsonl",
              json.dumps({"id": "a", "abstract": EN_2}) + "\n" + json.dumps({"id": "b", "title": "T"}) + "\n")
    assert_read_error([f], "noabs.jsonl", "line 2", "abstract")


def test_jsonl_missing_id(tmp_path):
    f = write(tmp_path / "noid.jsonl", json.dumps({"title": "T", "abstract": EN_2}) + "\n")
    assert_read_error([f], "noid.jsonl", "line 1", "id")


def test_csv_missing_abstract_column_skips_the_file(tmp_path):
    f = write(tmp_path / "cols.csv", "id,title\nX1,Some title\n")
    assert_read_error([f], "cols.csv", "line 1", "header must have columns", "abstract")


def test_csv_missing_id_column_numbers_the_rows(tmp_path):
    f = write(tmp_path / "noid.csv", f'title,abstract\nT,"{EN_2}"\nU,"{EN_1}"\n')
    papers, report = read_reported(f)
    assert [p.id for p in papers] == ["noid:1", "noid:2"]
    assert [(p.record, p.kind) for p in report.problems] == [("line 1", "repaired")]


def test_csv_row_with_missing_cells_is_skipped(tmp_path):
    f = write(tmp_path / "short.csv", f'id,title,abstract\nA,T,"{EN_2}"\nB,only a title\nC,,"{EN_1}"\n')
    papers, report = read_reported(f)
    assert [p.id for p in papers] == ["A", "C"]
    assert [str(p) for p in report.skipped] == [f"{f}: line 3: no abstract (expected one of the columns "
                                                "abstract, text, abstract_en)"]


def test_csv_empty_id_value(tmp_path):
    f = write(tmp_path / "blank.csv", f'id,abstract\nA,"{EN_2}"\n,"{EN_1}"\n')
    assert_read_error([f], "blank.csv", "line 3", "id")


def test_unsupported_suffix_named_on_the_command_line_is_an_error(tmp_path):
    f = write(tmp_path / "paper.pdf", "%PDF")
    with pytest.raises(ReadError, match="paper.pdf: unsupported"):
        read_reported(f)


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(ReadError, match="nowhere.jsonl: no such file"):
        read_reported(tmp_path / "nowhere.jsonl")


def test_duplicate_ids_across_files_name_both(tmp_path):
    a = write(tmp_path / "one.jsonl", json.dumps({"id": "dup", "abstract": EN_2}) + "\n")
    b = write(tmp_path / "two.csv", f'id,abstract\ndup,"{EN_1}"\n')
    message = assert_read_error([a, b], "two.csv", "one.jsonl", "'dup'", "first kept")
    assert message.startswith(str(b))
    assert [(p.id, p.text) for p in read_reported(a, b)[0]] == [("dup", EN_2)]


def test_duplicate_ids_within_one_file(tmp_path):
    f = write(tmp_path / "twice.jsonl", "".join(json.dumps({"id": "x", "abstract": EN_2}) + "\n" for _ in range(2)))
    assert_read_error([f], "twice.jsonl", "'x'")


def test_same_seed_file_twice_is_a_duplicate(tmp_path):
    f = write(tmp_path / "s.txt", f"{EN_1}\n{SEP}\n")
    assert_read_error([f, f], "s.txt", "'s:1'")


@pytest.mark.parametrize("name, content, expected", [
    ("latin1.txt", "A café au lait is a drink in the morning.\n".encode("latin-1") + SEP.encode() + b"\n", "caf\ufffd"),
    ("latin1.jsonl", '{"id": "a", "abstract": "The café au lait is a drink in France."}\n'.encode("latin-1"), "café"),
    ("latin1.csv", "id,abstract\na,The café au lait is a drink in France.\n".encode("latin-1"), "café"),
    ("gbk.txt", "联邦学习是一种框架。\n".encode("gbk") + SEP.encode("gbk") + b"\n", "联邦学习"),
])
def test_non_utf8_file_is_decoded_and_reported(tmp_path, name, content, expected):
    f = tmp_path / name
    f.write_bytes(content)
    papers, report = read_reported(f)
    assert len(papers) == 1 and expected in papers[0].text
    assert [p.kind for p in report.problems] == ["repaired"]
    assert report.problems[0].reason.startswith("not UTF-8: ")


def test_errors_are_value_errors_not_crashes(tmp_path):
    # callers catch ReadError; it must not be an OSError/UnicodeError leaking through
    f = write(tmp_path / "bad.jsonl", "{\n")
    with pytest.raises(ReadError) as info:
        list(read_papers([f]))
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, (OSError, UnicodeError))


# ------------------------------------------------------------------ reference managers, arXiv, OpenAlex

INPUTS = __import__("pathlib").Path(__file__).parent / "data" / "inputs"


def by_id(path):
    return {p.id: p for p in read(path)}


def test_bibtex_zotero_export_titles_authors_and_latex(tmp_path):
    papers = read(INPUTS / "zotero.bib")
    assert [p.id for p in papers] == ["mueller_graph_2021", "nguyen_federated_2020", "zhang_large_2023"]
    gnn, fl, llm = papers
    assert gnn.title == "Graph Neural Networks for Molecular Property Prediction: A Survey"  # braces gone
    assert gnn.text.startswith("Graph neural networks (GNNs) learn")
    assert gnn.meta == {
        "authors": "Müller, Jürgen; García, María; Smith, John",  # LaTeX accents decoded
        "year": "2021", "venue": "Nature Communications", "doi": "10.1038/s41467-021-00001-x",
        "keywords": "graph neural networks; molecular property prediction; survey",
        "url": "https://doi.org/10.1038/s41467-021-00001-x",
    }
    assert fl.meta["authors"] == "Nguyễn, Văn An; Østergaard, Søren"
    assert fl.meta["venue"] == "Proceedings of the 37th International Conference on Machine Learning"
    assert fl.meta["keywords"] == "federated learning; differential privacy"
    assert llm.meta["arxiv_id"] == "2305.00002" and llm.meta["doi"] == "10.48550/arXiv.2305.00002"
    assert all(p.lang == "en" and p.source.endswith("zotero.bib") for p in papers)


def test_bibtex_entry_without_abstract_names_the_entry(tmp_path):
    f = write(tmp_path / "refs.bib", "@article{good, title={T}, abstract={Some text.}}\n\n"
                                      "@article{noabs2020,\n  title = {No abstract here},\n  year = {2020}\n}\n")
    assert_read_error([f], "refs.bib", "noabs2020", "line 3", "no abstract")


def test_bibtex_syntax_error_names_the_line(tmp_path):
    f = write(tmp_path / "bad.bib", "@article{ok, abstract={Fine.}}\n@article{broken, title = {unclosed\n")
    assert_read_error([f], "bad.bib", "line 2")


def test_ris_records_ids_and_metadata():
    papers = read(INPUTS / "endnote.ris")
    assert [p.id for p in papers] == ["10.1093/bioinformatics/btac001", "endnote-17"]  # DO, then ID tag
    tr, zh = papers
    assert tr.title == "Transformers for Protein Structure Prediction"
    assert tr.meta == {"authors": "Doe, Jane; Roe, Richard", "year": "2022", "venue": "Bioinformatics",
                       "doi": "10.1093/bioinformatics/btac001", "keywords": "transformer; protein structure",
                       "url": "https://doi.org/10.1093/bioinformatics/btac001"}
    assert zh.title == "基于图神经网络的推荐系统" and zh.lang == "zh"
    assert zh.meta == {"authors": "王, 芳", "year": "2021", "venue": "中国计算机大会"}


def test_ris_without_id_or_doi_counts_records(tmp_path):
    f = write(tmp_path / "lib.ris", "TY  - JOUR\nTI  - One\nAB  - First abstract.\nER  - \n"
                                     "TY  - JOUR\nTI  - Two\nAB  - Second abstract.\nER  - \n")
    assert [(p.id, p.title) for p in read(f)] == [("lib:1", "One"), ("lib:2", "Two")]


def test_ris_record_without_abstract_and_unclosed_record(tmp_path):
    f = write(tmp_path / "noabs.ris", "TY  - JOUR\nTI  - One\nAB  - Text.\nER  - \n\nTY  - JOUR\nTI  - Two\nER  - \n")
    assert_read_error([f], "noabs.ris", "record 2", "line 6", "no abstract")
    f = write(tmp_path / "open.ris", "TY  - JOUR\nTI  - One\nAB  - Text.\n")  # rispy would drop it silently
    assert_read_error([f], "open.ris", "ER")


def test_arxiv_atom_feed():
    papers = read(INPUTS / "arxiv_feed.xml")
    assert [p.id for p in papers] == ["2401.00001", "hep-th/9901001"]  # versions dropped
    rag = papers[0]
    assert rag.title == "Retrieval-Augmented Generation for Open-Domain Question Answering"
    assert rag.text.startswith("Retrieval-augmented generation combines") and "\n" not in rag.text
    assert rag.meta == {"authors": "Alice Martin; Bob Chen", "year": "2024", "venue": "ACL 2024",
                        "doi": "10.1000/rag.2024", "arxiv_id": "2401.00001",
                        "url": "http://arxiv.org/abs/2401.00001v2", "primary_category": "cs.CL",
                        "categories": "cs.CL cs.AI"}
    assert papers[1].meta["authors"] == "Carla Rossi" and "venue" not in papers[1].meta


def test_atom_feed_with_entities_is_refused(tmp_path):
    f = write(tmp_path / "evil.atom", '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                                       '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>'
                                       '<summary>&x;</summary></entry></feed>\n')
    message = assert_read_error([f], "evil.atom", "refused")
    assert "root:" not in message


def test_atom_errors(tmp_path):
    f = write(tmp_path / "broken.xml", '<feed xmlns="http://www.w3.org/2005/Atom">\n<entry>\n</feed>\n')
    assert_read_error([f], "broken.xml", "line 3", "invalid XML")
    f = write(tmp_path / "other.xml", "<rss><channel/></rss>\n")
    assert_read_error([f], "other.xml", "not an Atom feed")
    f = write(tmp_path / "empty.xml", '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
                                       '<id>http://arxiv.org/abs/2101.00009v1</id><title>T</title></entry></feed>')
    assert_read_error([f], "empty.xml", "entry 1", "2101.00009", "no abstract")


def test_openalex_jsonl_rebuilds_abstracts():
    papers = read(INPUTS / "openalex.jsonl")
    assert [p.id for p in papers] == ["W3000000001", "W3000000002"]
    cl, zh = papers
    assert cl.title == "Contrastive Learning of Sentence Embeddings"
    assert cl.text == ("Contrastive learning of sentence embeddings pulls paraphrases together and pushes other "
                       "sentences apart. The learned embeddings improve semantic textual similarity.")
    assert cl.meta == {"authors": "Tianyu Gao; Danqi Chen", "year": "2021", "venue": "Proceedings of EMNLP",
                       "doi": "10.1145/3000001", "keywords": "Contrastive learning",
                       "url": "https://openalex.org/W3000000001"}
    assert zh.lang == "zh" and zh.text.startswith("知识图谱嵌入将实体") and zh.title == "知识图谱嵌入综述"


def test_openalex_json_api_page_and_errors(tmp_path):
    works = [json.loads(line) for line in (INPUTS / "openalex.jsonl").read_text("utf-8").splitlines()]
    page = write(tmp_path / "page.json", json.dumps({"meta": {"count": 2}, "results": works}))
    assert [p.id for p in read(page)] == ["W3000000001", "W3000000002"]
    single = write(tmp_path / "one.json", json.dumps({**works[0], "id": None}))
    assert [p.id for p in read(single)] == ["10.1145/3000001"]  # no OpenAlex id: the DOI
    missing = write(tmp_path / "noabs.jsonl", json.dumps(works[0]) + "\n" +
                    json.dumps({**works[1], "abstract_inverted_index": None}) + "\n")
    assert_read_error([missing], "noabs.jsonl", "line 2", "W3000000002", "no abstract")
    other = write(tmp_path / "other.json", json.dumps({"id": "x", "abstract": "A plain record."}))
    assert_read_error([other], "other.json", "OpenAlex")


def test_openalex_abstract_orders_words_by_position():
    from kg.read import openalex_abstract
    assert openalex_abstract({"b": [1, 3], "a": [0], "c": [2]}) == "a b c b"


def test_arxiv_snapshot_jsonl():
    papers = read(INPUTS / "arxiv_snapshot.jsonl")
    assert [p.id for p in papers] == ["0704.0001", "2305.10001"]
    first = papers[0]
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.text.startswith("A fully differential calculation")
    assert first.meta == {"authors": "Balázs, C.; Berger, E. L.; Nadolsky, P. M.; Yuan, C. -P.", "year": "2007",
                          "venue": "Phys.Rev.D76:013009,2007", "doi": "10.1103/PhysRevD.76.013009",
                          "arxiv_id": "0704.0001", "url": "https://arxiv.org/abs/0704.0001",
                          "categories": "hep-ph", "update_date": "2008-11-13"}
    assert papers[1].meta["categories"] == "cs.CL cs.SE" and papers[1].meta["year"] == "2023"


def test_arxiv_snapshot_record_without_abstract(tmp_path):
    f = write(tmp_path / "snap.jsonl", json.dumps({"id": "2301.00001", "title": "T", "categories": "cs.LG",
                                                   "update_date": "2023-01-02", "abstract": "  "}) + "\n")
    assert_read_error([f], "snap.jsonl", "line 1", "2301.00001", "no abstract")


def test_directory_reads_every_new_format(tmp_path):
    papers = read(INPUTS)
    assert len(papers) == 11
    assert {p.source.rsplit(".", 1)[-1] for p in papers} == {"xml", "jsonl", "ris", "bib"}


# ------------------------------------------------------------------ CSV/TSV column mapping


def test_tsv_with_default_columns(tmp_path):
    f = write(tmp_path / "recs.tsv", f"id\ttitle\tabstract\tyear\nT1\tA title\t{EN_1}\t2020\nT2\t\t{ZH_1}\t\n")
    papers = read(f)
    assert [(p.id, p.title) for p in papers] == [("T1", "A title"), ("T2", derive_title(ZH_1, "zh"))]
    assert papers[0].meta == {"year": "2020"} and papers[1].lang == "zh"


def test_column_mapping_for_csv_tsv_and_jsonl(tmp_path):
    from kg.read import Columns
    cols = Columns(id="UT", title="TI", text="AB")
    tsv = write(tmp_path / "wos.tsv", f"UT\tTI\tAB\tabstract\nWOS:1\tMy title\t{EN_1}\tignored here\n")
    csv_ = write(tmp_path / "wos.csv", f'UT,TI,AB\nWOS:2,Other,"{EN_2}"\n')
    jsonl = write(tmp_path / "wos.jsonl", json.dumps({"UT": "WOS:3", "TI": "Third", "AB": ZH_1}) + "\n")
    papers = list(read_papers([tsv, csv_, jsonl], cols))
    assert [(p.id, p.title) for p in papers] == [("WOS:1", "My title"), ("WOS:2", "Other"), ("WOS:3", "Third")]
    assert papers[0].text == EN_1 and papers[0].meta == {"abstract": "ignored here"}


def test_column_mapping_errors_name_the_columns(tmp_path):
    from kg.read import Columns
    f = write(tmp_path / "x.tsv", f"id\tabstract\nA\t{EN_2}\n")
    papers, report = read_reported(f, columns=Columns(id="key"))  # no id column: numbered rows
    assert [p.id for p in papers] == ["x:1"]
    assert [str(p) for p in report.repaired] == [f"{f}: line 1: no key column: ids are x:<row>"]
    assert_read_error([f], "x.tsv: line 1: TSV header must have columns id, title, summary",
                      columns=Columns(text="summary"))


# ------------------------------------------------------------------ the bad-input battery (tests/data/bad)

BAD = INPUTS.parent / "bad"


def problems_of(name):
    papers, report = read_reported(BAD / name)
    return [p.id for p in papers], [(p.kind, p.record, p.reason) for p in report.problems]


def test_empty_file_is_skipped():
    assert problems_of("empty.jsonl") == ([], [("skipped", "", "empty file")])


def test_empty_abstracts_are_skipped_and_the_rest_kept():
    ids, problems = problems_of("empty_abstracts.jsonl")
    assert ids == ["e4"]
    assert [(kind, record) for kind, record, _ in problems] == [("skipped", f"line {n}") for n in (1, 2, 3)]
    assert all(reason.startswith("no abstract") for _, _, reason in problems)
    ids, problems = problems_of("empty_abstracts.txt")
    assert ids == ["empty_abstracts:1", "empty_abstracts:2"]
    assert problems == [("skipped", "line 5", "empty abstract (separator with no text before it)")]


def test_binary_file_is_skipped():
    assert problems_of("binary.txt") == ([], [("skipped", "", "binary or undecodable file (no text encoding fits)")])


@pytest.mark.parametrize("name, ids, encoding", [
    ("gb18030.txt", ["gb18030:1", "gb18030:2"], "GB18030"),
    ("gbk.csv", ["g1", "g2"], "GB18030"),  # GB18030 is a superset of GBK
    ("utf16_bom.csv", ["u1", "u2"], "UTF-16"),
    ("utf16_nobom.jsonl", ["n1", "n2"], "UTF-16-LE"),
    ("utf16be_nobom.txt", ["utf16be_nobom:1"], "UTF-16-BE"),
])
def test_other_encodings_are_detected_decoded_and_reported(name, ids, encoding):
    papers, report = read_reported(BAD / name)
    assert [p.id for p in papers] == ids
    assert [(p.kind, p.reason) for p in report.problems] == [("repaired", f"not UTF-8: decoded as {encoding}")]
    chinese = [p for p in papers if p.lang == "zh"]
    assert all(p.text.startswith(("联邦学习", "图神经网络")) for p in chinese)
    assert all(p.text.isprintable() for p in papers)


def test_utf8_with_bom_is_plain_utf8():
    papers, report = read_reported(BAD / "utf8_bom.jsonl")
    assert [p.id for p in papers] == ["b1"] and report.problems == []


def test_malformed_and_truncated_jsonl_lines_are_skipped():
    ids, problems = problems_of("malformed.jsonl")
    assert ids == ["t1", "t2", "t4"]
    assert [(kind, record) for kind, record, _ in problems] == [("skipped", "line 3"), ("skipped", "line 4"),
                                                                 ("skipped", "line 6")]
    assert problems[0][2].startswith("invalid JSON") and problems[1][2] == "expected a JSON object"
    assert problems[2][2].startswith("invalid JSON (Unterminated string")  # the truncated last line


def test_csv_rows_with_missing_cells_and_a_file_without_abstracts():
    ids, problems = problems_of("missing_columns.csv")
    assert ids == ["c1", "c5"]
    assert [(record, reason.split(" (")[0]) for _, record, reason in problems] == [
        ("line 3", "no abstract"), ("line 4", "no abstract"), ("line 5", "no id")]
    ids, problems = problems_of("no_abstract_column.csv")
    assert ids == [] and [(k, r) for k, r, _ in problems] == [("skipped", "line 1")]


def test_duplicate_ids_keep_the_first():
    papers, report = read_reported(BAD / "duplicate_ids.jsonl")
    assert [(p.id, p.text.split()[0]) for p in papers] == [("d1", "Graph"), ("d2", "Large")]
    assert [(p.record, "already used" in p.reason) for p in report.skipped] == [("paper d1", True)] * 2


def test_same_abstract_under_another_id_is_skipped():
    ids, problems = problems_of("same_abstract.jsonl")
    assert ids == ["s1", "s3"]  # s2 differs only in case and spacing
    assert problems == [("skipped", "paper s2", "same abstract as paper 's1' (first kept)")]


def test_languages_other_than_english_and_chinese_are_skipped():
    ids, problems = problems_of("other_languages.jsonl")
    assert ids == ["en", "zh"]
    skipped = {record.removeprefix("paper "): reason for _, record, reason in problems}
    assert set(skipped) == {"fr", "de", "es", "ru", "ja", "ko", "ar", "symbols"}
    assert "'fr'" in skipped["fr"] and "'de'" in skipped["de"] and "'es'" in skipped["es"]
    assert "Cyrillic" in skipped["ru"] and "Japanese" in skipped["ja"] and "Korean" in skipped["ko"]


def test_english_with_few_function_words_and_formulas_is_english():
    from kg.read import unsupported_language
    assert unsupported_language("Transformers predict protein structure from sequence alone. "
                                "Attention maps recover contacts between residues.") is None
    assert unsupported_language("We prove $a_n = n k + b$ for $n > k$ where $a$, $b$, $c$, $d$, $e$ are "
                                "integers and $i$ is a unit, so $o = p$.") is None
    assert unsupported_language("本文提出 GNN (graph neural network) 模型，用于 molecular property prediction。") is None


@pytest.mark.parametrize("name", ["xxe.atom", "billion_laughs.xml"])
def test_xml_with_entities_is_refused_not_expanded(name):
    ids, problems = problems_of(name)
    assert ids == []
    assert problems == [("skipped", "", "refused XML with DTD or entities (EntitiesForbidden)")]


def test_100000_word_abstract_is_cut_to_the_cap(tmp_path):
    from kg.read import MAX_ABSTRACT_CHARS
    words = " ".join(f"graph{n % 977} network" for n in range(50_000))  # 100,000 words
    f = write(tmp_path / "huge.jsonl", json.dumps({"id": "big", "abstract": "Graph neural networks. " + words}) + "\n")
    papers, report = read_reported(f)
    [paper] = papers
    assert len(paper.text) <= MAX_ABSTRACT_CHARS and paper.text.startswith("Graph neural networks. graph0")
    assert not paper.text.endswith(("graph", "netw"))  # cut at a word boundary
    [problem] = report.problems
    assert (problem.kind, problem.record) == ("repaired", "paper big")
    assert f"cut to {MAX_ABSTRACT_CHARS}" in problem.reason
    big_csv = write(tmp_path / "huge.csv", f'id,abstract\nbig,"{words}"\n')  # beyond csv's field limit
    assert [len(p.text) <= MAX_ABSTRACT_CHARS for p in read_reported(big_csv)[0]] == [True]


def test_directory_with_unreadable_file_and_folder(tmp_path):
    import os
    import tempfile
    root = Path(tempfile.mkdtemp(dir=tmp_path.anchor + "tmp"))  # under /tmp: pytest's tmp is root-only
    try:
        root.chmod(0o755)
        write(root / "good.jsonl", json.dumps({"id": "g", "abstract": EN_1}) + "\n").chmod(0o644)
        write(root / "secret.jsonl", json.dumps({"id": "s", "abstract": EN_2}) + "\n").chmod(0o000)
        (root / "closed").mkdir()
        write(root / "closed" / "inner.jsonl", json.dumps({"id": "i", "abstract": ZH_1}) + "\n")
        (root / "closed").chmod(0o000)
        read_reported(root / "good.jsonl")  # load the lazily imported modules first
        as_root = os.geteuid() == 0
        if as_root:  # root reads anything: drop to nobody for the read
            os.seteuid(65534)
        try:
            papers, report = read_reported(root)
        finally:
            if as_root:
                os.seteuid(0)
        assert [p.id for p in papers] == ["g"]
        assert sorted((Path(p.file).name, p.kind, p.reason) for p in report.problems) == [
            ("closed", "skipped", "cannot list directory (Permission denied)"),
            ("secret.jsonl", "skipped", "cannot read (Permission denied)")]
    finally:
        (root / "closed").chmod(0o755)
        import shutil
        shutil.rmtree(root)


# ------------------------------------------------------------------ fuzz: any bytes give papers or reported problems

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.read import READERS, Problem

# the inputs are big on purpose (huge tokens): hypothesis's size and speed checks would flake
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
# mixed scripts, control characters, surrogates, private use, RTL marks: every category
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
huge_token = st.builds(lambda ch, n: ch * n, st.characters(codec="utf-8"), st.integers(500, 30_000))
words = st.one_of(any_text, huge_token, st.sampled_from([
    EN_1, ZH_1, SEP, "Federated learning (FL)", "联邦学习（FL）", "\x00", "\ufeff", "\r\n", '"', ",", "\t", "}", "{",
    "@article{", "TY  - ", "ER  - ", "<entry>", "&amp;", "&x;", "]]>", "\\", "'", "\u202e", "𝔊𝔑𝔑", "é"]))
texts = st.lists(words, max_size=8).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(texts, st.sampled_from(["id", "abstract"])), inner, max_size=4)),
    max_leaves=12)
FIELDS = ["id", "title", "abstract", "text", "abstract_inverted_index", "categories", "update_date", "versions",
          "authors_parsed", "authors", "doi", "keywords", "authorships", "primary_location", "results"]
records = st.dictionaries(st.sampled_from(FIELDS), st.one_of(texts, json_values), max_size=6)


def _jsonl(lines):
    return "".join(line + "\n" for line in lines)


def structured(suffix):
    """Text shaped like the format (so the fuzz reaches past the parser) or not at all."""
    if suffix == ".jsonl":
        line = st.one_of(records.map(lambda r: json.dumps(r, ensure_ascii=False)), texts)
        return st.lists(line, max_size=5).map(_jsonl)
    if suffix == ".json":
        return st.one_of(records.map(json.dumps), st.lists(records, max_size=3).map(json.dumps),
                         st.lists(records, max_size=3).map(lambda r: json.dumps({"results": r})), texts)
    if suffix in (".csv", ".tsv"):
        sep = "," if suffix == ".csv" else "\t"
        row = st.lists(texts, min_size=0, max_size=4).map(sep.join)
        header = st.lists(st.sampled_from(FIELDS[:4] + ["year", ""]), max_size=4).map(sep.join)
        return st.builds(lambda h, rows: _jsonl([h, *rows]), header, st.lists(row, max_size=4))
    if suffix == ".txt":
        return st.lists(texts, max_size=5).map(lambda parts: f"\n{SEP}\n".join(parts))
    if suffix == ".bib":
        entry = st.builds(lambda k, t, a: f"@article{{{k}, title={{{t}}}, abstract={{{a}}}}}\n", texts, texts, texts)
        return st.lists(st.one_of(entry, texts), max_size=4).map("".join)
    if suffix == ".ris":
        record = st.builds(lambda t, a, i: f"TY  - JOUR\nTI  - {t}\nAB  - {a}\nID  - {i}\nER  - \n", texts, texts, texts)
        return st.lists(st.one_of(record, texts), max_size=4).map("".join)
    entry = st.builds(lambda i, s: f"<entry><id>{i}</id><summary>{s}</summary></entry>", texts, texts)
    return st.lists(st.one_of(entry, texts), max_size=3).map(
        lambda parts: '<feed xmlns="http://www.w3.org/2005/Atom">' + "".join(parts) + "</feed>")


def encoded(text_strategy):
    encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030", "latin-1"])
    return st.one_of(st.builds(lambda t, e: t.encode(e, errors="ignore"), text_strategy, encodings),
                     st.binary(max_size=2000))


def assert_papers_or_problems(path):
    papers, report = read_reported_no_assert(path)
    for paper in papers:
        assert paper.id and paper.text and paper.lang in ("en", "zh")
        for value in (paper.id, paper.title, paper.text, *paper.meta.values()):
            assert value.isprintable() or not any(ch < " " for ch in value), repr(value)
            value.encode("utf-8")  # no lone surrogates
    for problem in report.problems:
        assert isinstance(problem, Problem) and problem.kind in ("skipped", "repaired")
        assert "\n" not in str(problem) and problem.file == str(path)


def read_reported_no_assert(path):
    report = ReadReport()
    return list(read_papers([path], report=report)), report


@pytest.mark.parametrize("suffix", sorted(READERS))
def test_fuzz_readers_never_raise(suffix, tmp_path):
    path = tmp_path / f"fuzz{suffix}"

    @FUZZ
    @given(data=encoded(structured(suffix)))
    def run(data):
        path.write_bytes(data)
        assert_papers_or_problems(path)

    run()


def test_runs_of_one_character_are_cut(tmp_path):
    from kg.read import MAX_RUN
    f = write(tmp_path / "runs.jsonl", json.dumps({"id": "r", "abstract": "Graph " + "(" * 20_000 + " networks ====="}) + "\n")
    papers, report = read_reported(f)
    assert papers[0].text == "Graph " + "(" * MAX_RUN + " networks ====="
    assert [(p.kind, p.record) for p in report.problems] == [("repaired", "paper r")]


def test_inline_html_is_removed_and_arxiv_link_text_becomes_the_address(tmp_path):
    html = ('The demo (<a href="http://demo.example.org/">this http URL</a>) uses '
            '<i>graph</i> networks, see <a href="https://x.org/p">our page</a>; when x < y and y > z it holds.')
    f = write(tmp_path / "html.jsonl", json.dumps({"id": "h", "abstract": html}) + "\n"
              + json.dumps({"id": "m", "abstract": "Graph networks hold when x < y and y > z for all <s, a> pairs."}) + "\n")
    papers, report = read_reported(f)
    assert papers[0].text == ("The demo (http://demo.example.org/) uses graph networks, see our page; "
                              "when x < y and y > z it holds.")
    assert papers[1].text == "Graph networks hold when x < y and y > z for all <s, a> pairs."
    assert [(p.kind, p.record, p.reason) for p in report.problems] == [("repaired", "paper h", "HTML markup removed")]


def test_han_text_with_characters_chinese_does_not_use_is_skipped(tmp_path):
    rare = "".join(chr(c) for c in range(0x3400, 0x3400 + 200))  # CJK extension A: no Chinese text uses these
    f = write(tmp_path / "rare.jsonl", json.dumps({"id": "x", "abstract": rare}, ensure_ascii=False) + "\n"
              + json.dumps({"id": "y", "abstract": ZH_1 + "㐀"}, ensure_ascii=False) + "\n")
    papers, report = read_reported(f)
    assert [p.id for p in papers] == ["y"]  # one rare character in real Chinese is fine
    assert [p.record for p in report.skipped] == ["paper x"] and "not Chinese text" in report.skipped[0].reason


def test_count_records_forecasts_what_read_papers_yields(tmp_path, seeds_dir):
    good = tmp_path / "a.jsonl"
    good.write_text("".join(json.dumps({"id": str(i), "abstract": f"Graph neural networks, study {i}."}) + "\n"
                            for i in range(5)) + "\n\n", encoding="utf-8")
    csv_file = tmp_path / "b.csv"
    csv_file.write_text('id,title,abstract\nc1,T,"Federated learning\non phones."\nc2,T,Transformers.\n',
                        encoding="utf-8")
    inputs = [good, csv_file, seeds_dir]
    assert count_records(inputs) == len(list(read_papers(inputs))) == 5 + 2 + 20
    broken = tmp_path / "c.jsonl"
    broken.write_text('{"id": "x", "abstract": "Graph neural networks."}\nnot json\n', encoding="utf-8")
    assert count_records([broken]) == 2 and len(read_reported(broken)[0]) == 1  # a forecast: reading skips one
    (tmp_path / "d.bib").write_text("@article{k, title = {unclosed\n", encoding="utf-8")
    assert count_records([tmp_path / "d.bib"]) == 0  # unreadable files count nothing, and raise nothing


def test_json_with_a_number_python_refuses_is_a_reported_skip(tmp_path):
    # a hypothesis counter-example: json.loads raises a bare ValueError past 4,300 digits
    (tmp_path / "big.json").write_text("1" * 5000, encoding="utf-8")
    (tmp_path / "big.jsonl").write_text('{"id": "a", "abstract": ' + "1" * 5000 + "}\n", encoding="utf-8")
    papers, report = read_reported(tmp_path / "big.json", tmp_path / "big.jsonl")
    assert papers == []
    assert [p.reason for p in report.skipped] == ["invalid JSON (number too long)"] * 2
