#!/usr/bin/env bash
# The bash completion completes: verbs, sub-verbs, options, enumerated values, lists of guest
# features; and the zsh completion parses. Usage: tests/completion.sh SOURCE_DIR
set -euo pipefail
src=$1
[ -f /usr/share/bash-completion/bash_completion ] ||
  { echo "bash-completion is not installed (Debian: bash-completion)"; exit 1; }
command -v zsh > /dev/null || { echo "zsh is not installed (Debian: zsh)"; exit 1; }
zsh -n "$src/completions/_snpmeasure"

# shellcheck disable=SC1091
source /usr/share/bash-completion/bash_completion
# shellcheck disable=SC1091
source "$src/completions/snpmeasure.bash"

complete_line() { # the words of a command line; the last one is being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  "$(complete -p "$1" | sed 's/.*-F \([^ ]*\) .*/\1/')"
  echo "${COMPREPLY[*]}"
}
expect() { # words... -- wanted
  local want=${*: -1} got
  got=$(complete_line "${@:1:$#-2}")
  [ "$got" = "$want" ] || { echo "'${*:1:$#-2}': got '$got', want '$want'"; exit 1; }
}
expect snpmeasure rep -- "report"
expect snpmeasure re -- "report refvals"
expect snpmeasure refvals --format corim- -- "corim-snp corim-launch"
expect snpmeasure refvals s -- "show"
expect snpmeasure refvals show --k -- "--key"
expect snpmeasure report ap -- "appraise"
expect snpmeasure --vcpu-type EPYC-Ge -- "EPYC-Genoa EPYC-Genoa-v1"
expect snpmeasure --mode snp: -- "snp:ovmf-hash snp:svsm"
expect snpmeasure --guest-features SNPActive,Debug -- "SNPActive,DebugSwap"
expect snpmeasure report get --inter -- "--interface"
expect snpmeasure report get --interface d -- "device"
expect snpimage verity d -- "dump"
expect snpimage bundle --layout d -- "dstack"
expect snpimage verity dump --hash-o -- "--hash-offset"
echo "completion: bash completes verbs, options and values; zsh parses"
