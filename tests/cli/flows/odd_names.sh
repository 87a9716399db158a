#!/usr/bin/env bash
# Tables that survive any name: a model file named  a,b "q"|c.h5  (and one with a tab), a network
# named  tiny, "odd" | net  and class names with ',', '"' and '|', through nin-eval's CSV (RFC 4180,
# parsed back with Python's csv module), TSV (tabs become spaces) and Markdown ('|' as "\|").
#   odd_names.sh CASE BIN_DIR WORK_DIR SOURCE_DIR
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4
fashion=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -d "$fashion" ] || fail "'$fashion' missing: install dataset-fashion-mnist"
odd='a,b "q"|c.h5'
tabbed=$'a\tb.h5'
network='tiny, "odd" | net'
touch "$odd" "$tabbed" 2> /dev/null || { echo "skipped: the file system refuses these names"; exit 77; }
# A small model of the network with the odd name, under both odd file names.
python3 - "$source/tests/cli/specs/tiny-fashion.json" "$network" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["name"] = sys.argv[2]
json.dump(spec, open("odd-net.json", "w"))
PY
"$bin/nin-train" -q --net odd-net.json --data "$fashion" --epochs 1 --batch 50 --limit 100 -o good.h5
cp good.h5 "$odd" && cp good.h5 "$tabbed"
eval_() { "$bin/nin-eval" --data "$fashion" "$@"; }
# check.py FILE FORMAT: FORMAT's rows of FILE as a Python list of lists, then the assertions on
# stdin run with `rows` bound (csv: the csv module; tsv: split on tabs; md: split on unescaped '|').
check() {
  local file=$1 format=$2 code
  code=$(cat)
  python3 - "$file" "$format" "$code" <<'PY'
import csv, re, sys
path, fmt, code = sys.argv[1:]
text = open(path, newline="").read()
if fmt == "csv":
    rows = list(csv.reader(text.splitlines(keepends=True), strict=True))
elif fmt == "tsv":
    rows = [line.split("\t") for line in text.splitlines()]
else:
    rows = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            for line in text.splitlines() if line.startswith("|")]
odd, tabbed, network = 'a,b "q"|c.h5', "a\tb.h5", 'tiny, "odd" | net'
names = ["coat, long", '"boot"', "bag|purse"] + [f"class {i}" for i in range(3, 10)]
try:
    exec(code)
except AssertionError as e:
    sys.exit(f"FAIL: {fmt} rows of {path}: {e}\n{text[:2000]}")
PY
}
# Class names with ',', '"' and '|', given by nin-convert --rename-classes.
renamed() {
  printf '%s\n' 'coat, long' '"boot"' 'bag|purse' 'class 3' 'class 4' 'class 5' 'class 6' \
    'class 7' 'class 8' 'class 9' > names.txt
  "$bin/nin-convert" good.h5 --rename-classes names.txt -o "renamed $odd"
}

case $case_name in
eval-csv)
  # The model that cannot be read has its message, quoting the name, in the error column.
  set +e
  eval_ "$odd" "missing, \"x\".h5" --limit 50 --format csv > eval.csv 2> stderr.txt
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "exit $status, expected 1 (one model missing): $(cat stderr.txt)"
  sed -n 2p eval.csv | grep -q '^"a,b ""q""|c.h5","tiny, ""odd"" | net",50,' ||
    fail "the row does not start with the quoted names: $(sed -n 2p eval.csv)"
  check eval.csv csv <<'PY'
assert [len(r) for r in rows] == [7, 7, 7], "rows of 7 fields"
assert rows[1][:3] == [odd, network, "50"], rows[1]
assert rows[2][0] == 'missing, "x".h5' and rows[2][6] == "'missing, \"x\".h5': no such file", rows[2]
PY
  # nin-params reads the model under its odd name as under its plain one.
  "$bin/nin-params" "$odd" --format csv > odd-params.csv
  "$bin/nin-params" good.h5 --format csv > good-params.csv
  cmp -s odd-params.csv good-params.csv || fail "nin-params reads '$odd' differently" ;;
eval-tsv)
  eval_ "$odd" "$tabbed" --limit 50 --format tsv > eval.tsv
  check eval.tsv tsv <<'PY'
assert [len(r) for r in rows] == [7, 7, 7], "rows of 7 fields"
assert rows[1][:3] == [odd, network, "50"], rows[1]
assert rows[2][0] == "a b.h5", rows[2]
PY
  ;;
eval-md)
  eval_ "$odd" "$tabbed" --limit 50 > eval.md
  grep -qF '| a,b "q"\|c.h5 | tiny, "odd" \| net | 50 | ' eval.md ||
    fail "no row with the escaped names: $(cat eval.md)"
  check eval.md md <<'PY'
assert [len(r) for r in rows] == [6, 6, 6, 6], "rows of 6 cells"
assert rows[2][:3] == [odd, network, "50"], rows[2]
assert rows[3][0] == "a\tb.h5", rows[3]
PY
  ;;
predictions-csv)
  eval_ "$odd" --predictions --limit 5 --format csv > predictions.csv 2> summary.txt
  check predictions.csv csv <<'PY'
assert rows[0] == ["model", "index", "label", "predicted", "class_name", "confidence", "top_k"], rows[0]
assert len(rows) == 6 and all(len(r) == 7 for r in rows), "6 rows of 7 fields"
assert all(r[0] == odd for r in rows[1:]), [r[0] for r in rows]
assert [r[1] for r in rows[1:]] == ["0", "1", "2", "3", "4"], [r[1] for r in rows]
PY
  sed -n 2p predictions.csv | grep -q '^"a,b ""q""|c.h5",0,' || fail "not RFC 4180: $(sed -n 2p predictions.csv)" ;;
predictions-tsv)
  eval_ "$tabbed" --predictions --limit 5 --format tsv > predictions.tsv 2> summary.txt
  check predictions.tsv tsv <<'PY'
assert len(rows) == 6 and all(len(r) == 7 for r in rows), "6 rows of 7 fields"
assert all(r[0] == "a b.h5" for r in rows[1:]), [r[0] for r in rows]
PY
  ;;
class-names-csv)
  renamed
  eval_ "renamed $odd" --limit 50 --confusion --format csv > confusion.csv
  check confusion.csv csv <<'PY'
assert len(rows) == 11 and all(len(r) == 18 for r in rows), "11 rows of 18 fields"
assert [r[0] for r in rows[1:]] == ["renamed " + odd] * 10
assert [r[2] for r in rows[1:]] == names, [r[2] for r in rows]
PY
  # Each prediction carries its class's name, quoted where it must be.
  eval_ "renamed $odd" --limit 50 --predictions --format csv > predictions.csv 2> summary.txt
  check predictions.csv csv <<'PY'
assert len(rows) == 51 and all(len(r) == 7 for r in rows), "51 rows of 7 fields"
assert all(r[4] == names[int(r[3])] for r in rows[1:]), [(r[3], r[4]) for r in rows[1:]]
PY
  ;;
class-names-md)
  renamed
  eval_ "renamed $odd" --limit 50 --confusion > confusion.md
  grep -qF '| True \ predicted | coat, long | "boot" | bag\|purse | class 3 |' confusion.md ||
    fail "no confusion header with the escaped class name: $(cat confusion.md)"
  check confusion.md md <<'PY'
summary, per_class, confusion = rows[:3], rows[3:15], rows[15:]
assert summary[2][:2] == ["renamed " + odd, network], summary[2]
assert [r[0] for r in per_class[2:]] == names, [r[0] for r in per_class]
assert confusion[0][1:] == names and len(confusion) == 12, confusion[0]
assert [r[0] for r in confusion[2:]] == names and all(len(r) == 11 for r in confusion)
PY
  ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
