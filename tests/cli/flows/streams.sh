#!/usr/bin/env bash
# A lone "-" where it names a standard stream: nin-params reads a spec from standard input (bounded
# at 16 MiB), nin-train --log - writes its records to stdout; a file really named "-" is "./-".
# (The usage errors of "-" elsewhere are nin_cli_test cases.)
#   streams.sh CASE BIN_DIR WORK_DIR SOURCE_DIR
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4
fashion=${NIN_TEST_FASHION:-/usr/share/datasets/fashion-mnist}
tiny=$source/tests/cli/specs/tiny-fashion.json
rm -rf "$work" && mkdir -p "$work" && cd "$work"
. "$source/tests/cli/flows/expect.sh"
[ -d "$fashion" ] || fail "'$fashion' missing: install dataset-fashion-mnist"
train() { "$bin/nin-train" --net "$tiny" --data "$fashion" --batch 50 --limit 100 "$@"; }
# Each line of $1 a JSON object; prints the count of each "type".
records() {
  python3 - "$1" <<'PY'
import collections, json, sys
types = collections.Counter(json.loads(line)["type"] for line in open(sys.argv[1]))
print(" ".join(f"{k}={types[k]}" for k in sorted(types)))
PY
}

case $case_name in
params-stdin-limit)
  # The spec padded with spaces to exactly 16 MiB is read; one byte more is refused.
  "$bin/nin-params" "$tiny" > from-file.md
  python3 - "$tiny" <<'PY'
import sys
text = open(sys.argv[1], "rb").read()
limit = 16 << 20
open("at-limit.json", "wb").write(text + b" " * (limit - len(text)))
open("over-limit.json", "wb").write(text + b" " * (limit + 1 - len(text)))
PY
  [ "$(stat -c %s at-limit.json)" -eq 16777216 ] || fail "at-limit.json is not 16 MiB"
  "$bin/nin-params" - < at-limit.json > from-stdin.md
  cmp -s from-file.md from-stdin.md || fail "the spec from standard input gives another table"
  expect 1 "^nin-params: error: '<stdin>': more than the 16777216 bytes allowed$" \
    "$bin/nin-params" - < over-limit.json
  rm -f at-limit.json over-limit.json ;;
log-stdout)
  # A file named "-" in the working directory is not the log, and stays as it was.
  echo "not a log" > ./- && cp ./- dash.orig
  train --epochs 1 -o model.h5 --log - --log-every 1 > records.jsonl 2> progress.txt
  [ "$(records records.jsonl)" = "epoch=1 step=2" ] ||
    fail "stdout should hold 2 step records and 1 epoch record: $(cat records.jsonl)"
  grep -q '^epoch 1/1: train loss' progress.txt || fail "no progress on stderr: $(cat progress.txt)"
  grep -q "^nin-train: best test accuracy .*, model written to 'model.h5'$" progress.txt ||
    fail "no final line on stderr: $(cat progress.txt)"
  [ "$(wc -l < progress.txt)" -eq 2 ] || fail "stderr should hold 2 lines: $(cat progress.txt)"
  cmp -s ./- dash.orig || fail "the file named '-' was changed"
  [ ! -e ./-.lock ] || fail "a lock was taken for '-'"
  [ -f model.h5 ] && [ -f model.ckpt.h5 ] || fail "model or checkpoint missing"
  # Quiet: the records alone, nothing on stderr; a resumed run logs to stdout as well.
  train -q -o quiet.h5 --epochs 2 --stop-after 1 --log - > quiet.jsonl 2> quiet.err
  [ "$(records quiet.jsonl)" = "epoch=1" ] || fail "expected 1 epoch record: $(cat quiet.jsonl)"
  [ ! -s quiet.err ] || fail "stderr not empty with -q: $(cat quiet.err)"
  "$bin/nin-train" -q --resume quiet.ckpt.h5 -o quiet.h5 --log - > resumed.jsonl 2> resumed.err
  [ "$(records resumed.jsonl)" = "epoch=1" ] || fail "expected 1 epoch record: $(cat resumed.jsonl)"
  grep -q '"epoch":2,' resumed.jsonl || fail "the resumed record is not epoch 2: $(cat resumed.jsonl)" ;;
dash-file)
  # "./-" names a file called "-": read as a spec, written as a log.
  cp "$tiny" ./-
  "$bin/nin-params" ./- > dash.md
  "$bin/nin-params" "$tiny" > tiny.md
  cmp -s dash.md tiny.md || fail "nin-params ./- does not read the file named '-'"
  rm ./-
  train -q --epochs 1 -o model.h5 --log ./- > stdout.txt
  [ ! -s stdout.txt ] || fail "stdout not empty: $(cat stdout.txt)"
  [ "$(records ./-)" = "epoch=1" ] || fail "the file named '-' should hold 1 epoch record" ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
