#!/usr/bin/env bash
# Each tool's --help, man page and bash completion script are made from the same option
# declarations: they list the same options, each once; the pages pass groff's warnings; the scripts
# complete in plain bash (no bash-completion package).
#   option_docs.sh CASE BIN_DIR WORK_DIR SOURCE_DIR
# CASE: a tool's name (its three lists), groff, complete, format, presets.
set -euo pipefail
case_name=$1 bin=$2 work=$3 source=$4
share=$bin/../share
man1=$share/man/man1 completions=$share/bash-completion/completions
tools=(nin-train nin-eval nin-params nin-convert nin-bench)
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# The long option names each lists, one per line, in order.
help_options() {
  "$bin/$1" --help | sed -n 's/^  \(-[a-zA-Z] \[ \)\{0,1\}--\([a-z0-9-]*\).*/\2/p'
}
man_options() {  # the heading line after each .TP of OPTIONS: \fB\-\-name\fR
  awk '/^\.SH /{section=$2} section=="OPTIONS" && /^\.TP$/{getline; print}' "$man1/$1.1" |
    sed -n 's/.*\\fB\\-\\-\([a-z0-9\\-]*\)\\fR.*/\1/p' | sed 's/\\-/-/g'
}
completion_options() {  # the words offered for "-"
  sed -n "s/^ *_nin_words '\(--.*\)'\$/\1/p" "$completions/$1" | tr ' ' '\n' | sed -n 's/^--//p'
}
# COMPREPLY, one per line, for the words "$@" (the last one being completed) of a tool.
complete_words() {
  local tool=$1
  shift
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
           "$(complete -p "${COMP_WORDS[0]##*/}" | sed "s/.*-F \([^ ]*\) .*/\1/")"
           printf "%s\n" "${COMPREPLY[@]}"' - "$completions/$tool" "$@"
}

case $case_name in
nin-*)
  help_options "$case_name" > help.txt
  [ -s help.txt ] || fail "no options in $case_name --help"
  dups=$(sort help.txt | uniq -d)
  [ -z "$dups" ] || fail "$case_name --help lists these twice: $dups"
  man_options "$case_name" > man.txt
  completion_options "$case_name" > completion.txt
  diff help.txt man.txt > /dev/null || fail "--help and $case_name.1 differ: $(diff help.txt man.txt)"
  diff <(sort help.txt) <(sort completion.txt) > /dev/null ||
    fail "--help and the completion script differ: $(diff <(sort help.txt) <(sort completion.txt))"
  for hidden in man completion-bash; do
    ! grep -qx "$hidden" help.txt || fail "--$hidden should be hidden"
  done ;;
groff)
  pages=("$share/man/man7/nin.7")
  for tool in "${tools[@]}"; do pages+=("$man1/$tool.1"); done
  for page in "${pages[@]}"; do
    [ -f "$page" ] || fail "no $page"
    warnings=$(groff -ww -z -man "$page" 2>&1)
    [ -z "$warnings" ] || fail "groff warns on $page: $warnings"
  done ;;
complete)
  for tool in "${tools[@]}"; do
    line=$(bash -c 'source "$1" && complete -p "$2"' - "$completions/$tool" "$tool") ||
      fail "sourcing $tool's completion script failed"
    [[ $line == "complete -F _${tool//-/_} $tool" ]] || fail "complete -p $tool: $line"
  done ;;
format)
  [ "$(complete_words nin-eval nin-eval --format '' | tr '\n' ' ')" = "md csv tsv json " ] ||
    fail "nin-eval --format offers: $(complete_words nin-eval nin-eval --format '')"
  [ "$(complete_words nin-convert nin-convert --format '' | tr '\n' ' ')" = "md json " ] ||
    fail "nin-convert --format offers: $(complete_words nin-convert nin-convert --format '')"
  # --format=c: bash splits the word at '='.
  [ "$(complete_words nin-params nin-params --format = c | tr '\n' ' ')" = "csv " ] ||
    fail "nin-params --format=c offers: $(complete_words nin-params nin-params --format = c)"
  [ "$(complete_words nin-train nin-train --lr-sch | tr '\n' ' ')" = "--lr-schedule " ] ||
    fail "nin-train --lr-sch offers: $(complete_words nin-train nin-train --lr-sch)" ;;
presets)
  # NET: the presets found next to the executable, and spec files; model files for a MODEL.
  mkdir -p dir && touch spec.json model.h5 model.onnx notes.txt
  offered=$(complete_words nin-params "$bin/nin-params" '' | sort | tr '\n' ' ')
  for want in table-4.4 nin-cifar10 nin-mnist-bn spec.json model.h5 model.onnx dir; do
    [[ " $offered " == *" $want "* ]] || fail "nin-params NET does not offer $want: $offered"
  done
  [[ " $offered " != *" notes.txt "* ]] || fail "nin-params NET offers notes.txt"
  offered=$(complete_words nin-eval nin-eval '' | sort | tr '\n' ' ')
  [ "$offered" = "dir model.h5 model.onnx " ] || fail "nin-eval MODEL offers: $offered"
  offered=$(complete_words nin-eval nin-eval m.h5 --class-maps '' | tr '\n' ' ')
  [ "$offered" = "dir " ] || fail "nin-eval --class-maps offers: $offered" ;;
*) fail "unknown case $case_name" ;;
esac
echo "ok: $case_name"
