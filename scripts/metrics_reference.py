#!/usr/bin/env python3
"""Reference scores for firebreak's evaluation metrics (src/eval/metrics.rs).

The Rust metrics promise to agree with the Python implementations people cite:

  BLEU-4   sacrebleu.sentence_bleu(hypothesis, [reference]).score / 100 (13a, exp smoothing)
  ROUGE-L  rouge_score RougeScorer(["rougeL"], use_stemmer=False): F-measure
  METEOR   nltk meteor_score on tokens from lowercase + r"\\w+|[^\\w\\s]", stemmer
           SnowballStemmer("english"), no WordNet synonyms

Modes:
  generate           write tests/fixtures/metrics_reference.json: deterministic sentence pairs
                     (from data/incidents.jsonl and hand-written edge cases) with the three scores
  time PAIRS_FILE [RUNS]
                     score the JSONL pairs ({"hypothesis", "reference"} per line) with each
                     reference metric and print the seconds each took (the best of RUNS, 1 by
                     default), as JSON

Needs the versions pinned in scripts/metrics-reference-requirements.txt, and refuses to run
with others: a fixture made by other versions would not prove anything about these.
"""

import importlib.metadata
import json
import random
import re
import sys
import time
import unicodedata
from pathlib import Path

PINNED = {"sacrebleu": "2.6.0", "rouge-score": "0.1.2", "nltk": "3.10.4"}
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "incidents.jsonl"
FIXTURE = ROOT / "tests" / "fixtures" / "metrics_reference.json"
REQUIREMENTS = "scripts/metrics-reference-requirements.txt"
METEOR_TOKEN = re.compile(r"\w+|[^\w\s]")


def check_versions():
    wrong = []
    for package, wanted in PINNED.items():
        try:
            found = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found = "not installed"
        if found != wanted:
            wrong.append(f"{package} {found} (need {wanted})")
    if wrong:
        sys.exit(
            "metrics_reference.py: wrong reference packages: "
            + "; ".join(wrong)
            + f"\ninstall the pinned ones: python3 -m venv /tmp/mref && "
            f"/tmp/mref/bin/pip install -r {REQUIREMENTS}"
        )


class NoSynonyms:
    """Stands in for WordNet: METEOR's synonym stage then matches nothing."""

    def synsets(self, _word):
        return []


def reference_metrics():
    """The three reference scorers, each (hypothesis, reference) -> float in 0..=1."""
    from nltk.stem.snowball import SnowballStemmer
    from nltk.translate.meteor_score import meteor_score
    from rouge_score import rouge_scorer
    from sacrebleu import sentence_bleu

    rouge = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    stemmer = SnowballStemmer("english")
    wordnet = NoSynonyms()

    def bleu4(hypothesis, reference):
        return sentence_bleu(hypothesis, [reference]).score / 100

    def rouge_l(hypothesis, reference):
        return float(rouge.score(reference, hypothesis)["rougeL"].fmeasure)

    def meteor(hypothesis, reference):
        hypothesis_tokens = METEOR_TOKEN.findall(hypothesis.lower())
        reference_tokens = METEOR_TOKEN.findall(reference.lower())
        return meteor_score([reference_tokens], hypothesis_tokens, stemmer=stemmer, wordnet=wordnet)

    return {"bleu4": bleu4, "rouge_l": rouge_l, "meteor": meteor}


# ---------------------------------------------------------------------------------------------
# Pairs


def corpus_pairs(records):
    """Incident texts paired with themselves, with each other, and across fields."""
    count = len(records)
    pairs = []
    for i in range(0, count, count // 8):
        pairs.append(("identical root cause", records[i]["root_cause"], records[i]["root_cause"]))
    for step, field, how_many in (
        (7, "root_cause", 40),
        (11, "mitigation", 40),
        (13, "title", 30),
    ):
        for n in range(how_many):
            i = (n * 5) % count
            j = (i * step + 3) % count
            if i == j:
                j = (j + 1) % count
            pairs.append((f"{field} of two incidents", records[i][field], records[j][field]))
    for n in range(15):
        record = records[(n * 14 + 2) % count]
        pairs.append(("root cause vs mitigation of one incident", record["mitigation"], record["root_cause"]))
    by_category = {}
    for record in records:
        by_category.setdefault(record["category"], []).append(record)
    made = 0
    for category in sorted(by_category):
        group = by_category[category]
        for a, b in zip(group, group[1:3]):
            if made < 20:
                pairs.append((f"root causes within category {category}", a["root_cause"], b["root_cause"]))
                made += 1
    return pairs


def edited_pairs(records, rng):
    """Light edits of incident texts: what a near-miss answer looks like."""
    words_pool = [word for record in records for word in record["mitigation"].split()]

    def drop_word(words):
        del words[rng.randrange(len(words))]
        return words

    def swap_neighbours(words):
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return words

    def replace_word(words):
        words[rng.randrange(len(words))] = rng.choice(words_pool)
        return words

    def first_half(words):
        return words[: max(1, len(words) // 2)]

    def shout(words):
        return [word.upper() if n % 3 == 0 else word for n, word in enumerate(words)]

    def repeat_phrase(words):
        i = rng.randrange(len(words) - 2)
        return words[: i + 3] + words[i : i + 3] + words[i + 3 :]

    def strip_punctuation(words):
        return [re.sub(r"[^\w\s]", "", word) or word for word in words]

    def inflect(words):
        out = []
        for word in words:
            if word.isalpha() and len(word) > 4 and rng.random() < 0.4:
                word = word + ("s" if word[-1] != "s" else "es") if rng.random() < 0.5 else word + "ing"
            out.append(word)
        return out

    def reverse_sentences(words):
        sentences = " ".join(words).split(". ")
        return " ".join(". ".join(reversed(sentences)).split())

    def shuffle_all(words):
        rng.shuffle(words)
        return words

    edits = [drop_word, swap_neighbours, replace_word, first_half, shout, repeat_phrase,
             strip_punctuation, inflect, reverse_sentences, shuffle_all]
    pairs = []
    for n in range(80):
        record = records[(n * 17 + 5) % len(records)]
        field = ("root_cause", "mitigation", "title")[n % 3]
        edit = edits[n % len(edits)]
        original = record[field]
        edited = edit(original.split())
        pairs.append((f"{field} after {edit.__name__}", " ".join(edited), original))
    return pairs


def long_pairs(records):
    """Paragraph-sized texts: many root causes joined, against a rotation of the same."""
    texts = [record["root_cause"] for record in records[:12]]
    paragraph = " ".join(texts)
    rotated = " ".join(texts[5:] + texts[:5])
    return [
        ("very long, same sentences rotated", rotated, paragraph),
        ("very long vs one sentence", paragraph, texts[0]),
        ("one sentence vs very long", texts[0], paragraph),
    ]


# Hand-written: each exercises one rule of a tokenizer or a metric.
EDGE_CASES = [
    ("empty hypothesis", "", "the cache was cold after the failover"),
    ("empty reference", "the cache was cold after the failover", ""),
    ("both empty", "", ""),
    ("whitespace only", "   \t ", "restart"),
    ("one word, same", "restart", "restart"),
    ("one word, inflected", "restarted", "restart"),
    ("one word, different", "restart", "rollback"),
    ("one letter", "a", "a"),
    ("identical sentence", "Rolled back the deploy at 14:29 UTC.", "Rolled back the deploy at 14:29 UTC."),
    ("disjoint", "alpha beta gamma", "delta epsilon zeta"),
    ("two words of four", "the pod", "the pod restarted twice"),
    ("three words, all match", "pod restarted ok", "pod restarted ok"),
    ("reordered", "pod the restart", "restart the pod"),
    ("stems", "the services were restarting", "the service restarted"),
    ("stems and exact", "connections failing on the primary", "connection failed on primary"),
    ("punctuation only", "...", "..."),
    ("punctuation only, different", "!?", "?!"),
    ("dashes", "-- --", "--"),
    ("brackets", "(", ")"),
    ("punctuation vs words", "!!!", "it failed"),
    ("decimal", "latency rose to 3.5 seconds", "latency rose to 3.50 seconds"),
    ("thousands separator", "1,000 requests failed", "1000 requests failed"),
    ("release candidate", "upgraded to v2.1-rc", "upgraded to v2.1-rc2"),
    ("percent and units", "error rate 0.5%, p99 1.2s.", "error rate 0.5 %, p99 1.2 s"),
    ("version with dash", "version 1.2.3-4 and 10-20 pods", "version 1.2.3 - 4 and 10 - 20 pods"),
    ("number then period", "3.", "3 ."),
    ("comma between letters", "x,y", "x , y"),
    ("periods between letters", "a.b.c", "a. b. c"),
    ("runs of periods", "1..2 a... b,,c", "1 . . 2 a . . . b , , c"),
    ("abbreviations", "e.g., i.e., etc.", "e.g. i.e. etc"),
    ("range", "5-10 minutes", "5 - 10 minutes"),
    ("negative number", "-5 degrees", "minus 5 degrees"),
    ("times", "at 14:10 UTC", "at 14:16 UTC"),
    ("date", "2023-04-12", "2023-04-13"),
    ("hyphenated words", "roll-back of the re-deploy", "rollback of the redeploy"),
    ("compound adjectives", "well-known self-signed cert", "self signed well known cert"),
    ("hyphen at line end", "re-\nstarted the pod", "restarted the pod"),
    ("accented latin", "Café déjà vu: naïve façade", "cafe deja vu: naive facade"),
    ("decomposed accent", "cafe\u0301 open", "caf\u00e9 open"),
    ("german", "naïve Straße größer", "naive strasse grösser"),
    ("cjk", "数据库连接池耗尽", "数据库连接池已耗尽"),
    ("cjk mixed with latin", "Redis 主节点 failover 完成", "redis 主节点 failover 完成了"),
    ("emoji", "deploy 🚀 failed 🔥", "deploy failed 🔥"),
    ("emoji with joiner", "👩\u200d💻 on call", "👩 💻 on call"),
    ("greek with final sigma", "ΟΔΟΣ σφάλμα δίσκου", "οδος σφάλμα δίσκου"),
    ("dotted capital I", "İstanbul region outage", "istanbul region outage"),
    ("kelvin sign", "\u212a8s cluster", "k8s cluster"),
    ("superscript digit", "x² scaling", "x2 scaling"),
    ("fullwidth letters", "ｈｅｌｌｏ world", "hello world"),
    ("non-breaking space", "10\u00a0GB disk", "10 GB disk"),
    ("ideographic space", "磁盘\u3000已满", "磁盘 已满"),
    ("information separator", "a\x1cb c", "a b c"),
    ("zero-width space", "dns\u200bfailure", "dns failure"),
    ("curly apostrophe", "it’s down again", "it's down again"),
    ("apostrophes", "the pod's cache wasn't warm", "the pods cache was not warm"),
    ("underscore", "max_connections reached", "max connections reached"),
    ("path and query", "GET /api/v1/users?id=3 returned 502", "GET /api/v1/users returned 502"),
    ("url", "see https://example.com/a-b_c#x", "see https://example.com/a-b_c"),
    ("repeated word", "the the the the", "the cat sat on the mat"),
    ("repeated bigram", "the cat the cat the cat", "the cat"),
    ("repeated word both sides", "restart restart restart", "restart the pod then restart the node"),
    ("alternating", "a b a b a", "b a b a b"),
    ("case differences", "DNS Resolution Failed", "dns resolution failed"),
    ("mixed case", "Restart THE pod", "restart the POD"),
    ("html quote and ampersand", "set &quot;timeout&quot; to 5s &amp; retry", 'set "timeout" to 5s & retry'),
    ("html angle brackets", "&lt;nil&gt; pointer", "<nil> pointer"),
    ("html double escape", "&amp;quot;", "&quot;"),
    ("html in a word", "AT&T link", "AT&amp;T link"),
    ("skipped marker", "the <skipped> pod restarted", "the pod restarted"),
    ("tabs and newlines", "restart\tthe\npod", "restart the pod"),
    ("blank line", "line one\n\nline two", "line one line two"),
    ("trailing newline", "restart the pod\n", "restart the pod"),
    ("carriage returns", "\r\nrestart\r\n", "restart"),
    ("leading spaces", "   restart the pod", "restart the pod"),
    ("hypothesis longer", "we restarted the pod and then the node and then the cluster", "restarted the pod"),
    ("hypothesis shorter", "restarted", "we restarted the pod and then the node"),
    ("short words stemmed", "is as us", "is as us"),
    ("stemmer special words", "skies dying news", "sky die news"),
]


def all_pairs():
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(20240601)
    return EDGE_CASES + corpus_pairs(records) + edited_pairs(records, rng) + long_pairs(records)


def generate():
    metrics = reference_metrics()
    pairs = []
    for case, hypothesis, reference in all_pairs():
        entry = {"case": case, "hypothesis": hypothesis, "reference": reference}
        entry.update({name: score(hypothesis, reference) for name, score in metrics.items()})
        pairs.append(entry)
    fixture = {
        "generated_by": "scripts/metrics_reference.py generate",
        "versions": dict(PINNED),
        "python": sys.version.split()[0],
        "unicode": unicodedata.unidata_version,
        "pairs": pairs,
    }
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(pairs)} pairs to {FIXTURE.relative_to(ROOT)}")


def time_pairs(path, runs):
    pairs = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                pair = json.loads(line)
                pairs.append((pair["hypothesis"], pair["reference"]))
    seconds = {"pairs": len(pairs), "runs": runs}
    for name, score in reference_metrics().items():
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            for hypothesis, reference in pairs:
                score(hypothesis, reference)
            best = min(best, time.perf_counter() - start)
        seconds[name] = best
    print(json.dumps(seconds))


def main(argv):
    usage = "usage: metrics_reference.py generate | time PAIRS_FILE [RUNS]"
    if len(argv) == 2 and argv[1] == "generate":
        check_versions()
        generate()
    elif len(argv) in (3, 4) and argv[1] == "time" and (len(argv) == 3 or argv[3].isdigit()):
        check_versions()
        time_pairs(argv[2], max(1, int(argv[3])) if len(argv) == 4 else 1)
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main(sys.argv)
