# bash completion for quiescent(1)                                  -*- shell-script -*-
#
# Sub-commands and their options are read from the program's own --help (once per shell and
# command), so the completion cannot drift from the code. Option values: the choices a --help
# line lists ("table (default), json or csv", "auto|256|8|none"), keymaps, rule ids, files, and
# VM names of the last scan in the history (`quiescent complete vms`, a hidden helper that never
# creates a history and never prompts).
#
# Installed as $(PREFIX)/share/bash-completion/completions/quiescent; to try it from the source
# tree: `source dist/quiescent.bash`.

declare -gA _quiescent_cache

# The --help text of "$1 $2" (no $2: the console), cached.
_quiescent_help()
{
    local bin=$1 cmd=$2 key="help:$1:$2"
    if [[ -z ${_quiescent_cache[$key]+set} ]]; then
        if [[ -n $cmd ]]; then
            _quiescent_cache[$key]=$("$bin" "$cmd" --help 2>/dev/null)
        else
            _quiescent_cache[$key]=$("$bin" --help 2>/dev/null)
        fi
    fi
    printf '%s\n' "${_quiescent_cache[$key]}"
}

# Sub-commands: the "Commands:" section of quiescent --help.
_quiescent_commands()
{
    "$1" help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}

# The options of a command, one a line: "OPTION<TAB>ARG<TAB>DESCRIPTION" (ARG empty when it
# takes no value), from the option column of its --help: "  -o, --output FILE     write to",
# "  --since T, --until T  ISO 8601", "  --vacuum --keep DAYS  delete".
_quiescent_table()
{
    _quiescent_help "$1" "$2" | awk '
        /^ +-/ {
            line = $0; sub(/^ +/, "", line)
            i = index(line, "  ")
            col = i ? substr(line, 1, i - 1) : line
            desc = i ? substr(line, i) : ""
            sub(/^ +/, "", desc)
            n = split(col, w, /[ ,]+/)
            for (k = 1; k <= n; k++) {
                if (w[k] !~ /^-/) continue
                arg = (k < n && w[k + 1] !~ /^-/) ? w[k + 1] : ""
                printf "%s\t%s\t%s\n", w[k], arg, desc
            }
        }'
}

_quiescent_options()
{
    _quiescent_table "$1" "$2" | cut -f1
}

# The value placeholder of an option ("FMT", "auto|256|8|none"); fails when it takes none.
_quiescent_arg()
{
    local arg
    arg=$(_quiescent_table "$1" "$2" | awk -F '\t' -v o="$3" '$1 == o { print $2; exit }')
    [[ -n $arg ]] && printf '%s\n' "$arg"
}

_quiescent_takes_value()
{
    _quiescent_arg "$@" >/dev/null
}

# The choices of an option's value: "auto|256|8|none" in its placeholder, or the list its
# description gives ("table (default), json or csv").
_quiescent_choices()
{
    local arg desc w
    arg=$(_quiescent_arg "$1" "$2" "$3")
    if [[ $arg == *'|'* && $arg != *[A-Z]* ]]; then
        printf '%s\n' ${arg//|/ }
        return
    fi
    desc=$(_quiescent_table "$1" "$2" | awk -F '\t' -v o="$3" '$1 == o { print $3; exit }')
    desc=$(sed -e 's/([^)]*)//g' -e 's/,/ /g' -e 's/ or / /g' <<<"$desc")
    for w in $desc; do
        [[ $w =~ ^[a-z0-9_-]+$ ]] && printf '%s\n' "$w"
    done
}

# VM names of the last scan (the history that --db or the environment names).
_quiescent_vms()
{
    local bin=$1 db=$2 cur=$3
    if [[ -n $db ]]; then
        "$bin" complete vms --db "$db" "$cur" 2>/dev/null
    else
        "$bin" complete vms "$cur" 2>/dev/null
    fi
}

_quiescent_rules()
{
    "$1" rules 2>/dev/null | grep -oE '^R[0-9]+'
}

_quiescent()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local bin=${COMP_WORDS[0]}
    bin=${bin/#\~/$HOME}
    command -v "$bin" >/dev/null 2>&1 || bin=quiescent
    COMPREPLY=()

    # The sub-command (first word that is not an option or an option's value) and --db.
    local cmd= db= i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == --db ]]; then
            db=${COMP_WORDS[i + 1]}
        elif [[ $w == --db=* ]]; then
            db=${w#--db=}
        fi
        if [[ -z $cmd && $w != -* ]]; then
            if ((i > 1)) && [[ ${COMP_WORDS[i - 1]} == -* ]] &&
                _quiescent_takes_value "$bin" "" "${COMP_WORDS[i - 1]}"; then
                continue
            fi
            cmd=$w
        fi
    done

    local opt=$prev val=$cur
    if [[ $cur == --*=* ]]; then
        opt=${cur%%=*}
        val=${cur#*=}
    fi

    if [[ $opt == -* ]] && _quiescent_takes_value "$bin" "$cmd" "$opt"; then
        local words=
        case $opt in
        --keymap)
            words="default vi"
            local dir
            for dir in /usr/share/quiescent/keymaps /usr/local/share/quiescent/keymaps \
                "${bin%/*}/../share/quiescent/keymaps"; do
                [[ -d $dir ]] && words+=" "$(cd "$dir" && ls -- *.keys 2>/dev/null | sed 's/\.keys$//')
            done
            COMPREPLY=($(compgen -W "$words" -- "$val"))
            [[ $val == */* ]] && COMPREPLY+=($(compgen -f -- "$val"))
            compopt -o filenames 2>/dev/null
            ;;
        --vm)
            COMPREPLY=($(compgen -W "$(_quiescent_vms "$bin" "$db" "$val")" -- "$val"))
            ;;
        --rule)
            COMPREPLY=($(compgen -W "$(_quiescent_rules "$bin")" -- "$val"))
            ;;
        --tools-method)
            COMPREPLY=($(compgen -W "upgrade guest by-hand" -- "$val"))
            ;;
        --format | --context | --backup-type | --kind | --colors)
            COMPREPLY=($(compgen -W "$(_quiescent_choices "$bin" "$cmd" "$opt")" -- "$val"))
            ;;
        *)
            case $(_quiescent_arg "$bin" "$cmd" "$opt") in
            FILE | PATH)
                COMPREPLY=($(compgen -f -- "$val"))
                compopt -o filenames 2>/dev/null
                ;;
            DIR)
                COMPREPLY=($(compgen -d -- "$val"))
                compopt -o filenames 2>/dev/null
                ;;
            esac
            ;;
        esac
        if [[ $cur == --*=* ]]; then
            local k
            for k in "${!COMPREPLY[@]}"; do COMPREPLY[k]="$opt=${COMPREPLY[k]}"; done
        fi
        return 0
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_quiescent_options "$bin" "$cmd")" -- "$cur"))
        return 0
    fi

    case $cmd in
    '')
        COMPREPLY=($(compgen -W "$(_quiescent_commands "$bin")" -- "$cur"))
        ;;
    snaptest|probe)
        COMPREPLY=($(compgen -W "$(_quiescent_vms "$bin" "$db" "$cur")" -- "$cur"))
        ;;
    rules)
        COMPREPLY=($(compgen -W "$(_quiescent_rules "$bin")" -- "$cur"))
        ;;
    esac
    return 0
} && complete -F _quiescent quiescent
