#!/usr/bin/env bash
# layers.sh - every #include of the tree stays inside what its layer may
# use (docs/HACKING.md, "Layers").  The rules are about directories, never
# about single files, so that they keep holding as files come and go:
#
#   include/charon/     public ABI: only include/charon/ (and the system)
#   lib/                small pieces for core and plugins: include/charon/, lib/
#   src/                the core: include/charon/, lib/, src/
#   plugins/NAME/       a plugin: include/charon/, lib/, its own directory
#   tests/plugins/      test plugins: the same rule as a plugin
#   examples/NAME/      out-of-tree plugins: include/charon/, their own directory
#   tests/ fuzz/ bench/ harnesses: anything
#
# A quoted name resolves as the compiler would: the including file's own
# directory first, then a header of that name anywhere in the tree; it is
# allowed when one of the headers it may mean lies in a layer the file may
# use.  <charon/...> is the public ABI, allowed everywhere.  A quoted name
# found nowhere in the tree is left alone (system or generated header),
# except in the public headers and examples, which are built against the
# installed headers only.
#
#   layers.sh            self-test on a planted tree, then check the source tree
#   layers.sh DIR        check the tree DIR only
# Exit status 0 clean, 1 a violation (each one named FILE:LINE), 2 usage.
set -u

SCANNED_DIRS="include lib src plugins tests fuzz bench examples"

# The layer of a path relative to the root, in LAYER (no subshell: it runs
# once per include line).
layers_of() {
    local rest
    case $1 in
        include/charon/*) LAYER=public ;;
        lib/*) LAYER=lib ;;
        src/*) LAYER=core ;;
        tests/plugins/*) LAYER=plugin:tests/plugins ;;
        plugins/*/*) rest=${1#plugins/}; LAYER=plugin:plugins/${rest%%/*} ;;
        examples/*/*) rest=${1#examples/}; LAYER=example:examples/${rest%%/*} ;;
        tests/*|fuzz/*|bench/*) LAYER=harness ;;
        *) LAYER=other ;;
    esac
}

# What a layer may include, for messages.
layers_rule() {
    case $1 in
        public) echo "include/charon/" ;;
        lib) echo "include/charon/ and lib/" ;;
        core) echo "include/charon/, lib/ and src/" ;;
        plugin:*) echo "include/charon/, lib/ and ${1#plugin:}/" ;;
        example:*) echo "include/charon/ and ${1#example:}/" ;;
        *) echo "anything" ;;
    esac
}

# 0 if layer $1 may include a header of layer $2.
layers_allowed() {
    case $1 in
        harness|other) return 0 ;;
    esac
    [ "$1" = "$2" ] && return 0
    case $1:$2 in
        *:public) return 0 ;;
        core:lib|plugin:*:lib) return 0 ;;
    esac
    return 1
}

# Checks the tree under $1; prints one line per violation; returns 1 if any.
layers_check() {
    local root=$1 d f rel line file lineno name dir target fl
    local cand ok found bad=0 n=0
    local -a dirs=()
    local -A by_base=()

    for d in $SCANNED_DIRS; do
        [ -d "$root/$d" ] && dirs+=("$root/$d")
    done
    if [ ${#dirs[@]} = 0 ]; then
        echo "layers.sh: nothing to check under $root" >&2
        return 1
    fi
    # Every C file of the tree, by base name.
    while IFS= read -r f; do
        rel=${f#"$root"/}
        by_base[${rel##*/}]+="$rel "
        n=$((n + 1))
    done < <(find "${dirs[@]}" -type f \( -name '*.[ch]' -o -name '*.inc' \) | sort)

    while IFS= read -r line; do
        file=${line%%:*}
        line=${line#*:}
        lineno=${line%%:*}
        line=${line#*:}
        rel=${file#"$root"/}
        layers_of "$rel"
        fl=$LAYER
        case $fl in harness|other) continue ;; esac
        if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<charon/([^\>]+)\> ]]; then
            continue        # the public ABI
        fi
        [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] ||
            continue        # a system header
        name=${BASH_REMATCH[1]}
        dir=${rel%/*}
        if [ -f "$root/$dir/$name" ]; then
            case $name in
                */*) target=$(realpath -m --relative-to="$root" "$root/$dir/$name") ;;
                *) target=$dir/$name ;;
            esac
            layers_of "$target"
            layers_allowed "$fl" "$LAYER" && continue
            echo "$rel:$lineno: #include \"$name\" reaches $target, but ${dir}/ may include only $(layers_rule "$fl")"
            bad=1
            continue
        fi
        ok=0
        found=""
        for cand in ${by_base[${name##*/}]:-}; do
            case /$cand in */"$name") ;; *) continue ;; esac
            found=${found:-$cand}
            layers_of "$cand"
            if layers_allowed "$fl" "$LAYER"; then
                ok=1
                break
            fi
        done
        [ $ok = 1 ] && continue
        if [ -z "$found" ]; then
            case $fl in
                public|example:*)
                    echo "$rel:$lineno: #include \"$name\" is not in ${dir}/, which may include only $(layers_rule "$fl") (it is built against the installed headers)"
                    bad=1 ;;
            esac
            continue
        fi
        echo "$rel:$lineno: #include \"$name\" reaches $found, but ${dir}/ may include only $(layers_rule "$fl")"
        bad=1
    done < <(find "${dirs[@]}" -type f -name '*.[ch]' -print0 | sort -z |
             xargs -0 grep -nHE '^[[:space:]]*#[[:space:]]*include' /dev/null)
    [ $bad = 0 ] && echo "layers.sh: $n files under $root keep to their layers"
    return $bad
}

# A tiny tree with one file per rule broken; each must be named, and the
# same tree without them must pass.
layers_self_test() {
    local t out rc fail=0 want

    t=$(mktemp -d "${TMPDIR:-/tmp}/charon-layers.XXXXXX") || return 1
    mkdir -p "$t/include/charon" "$t/lib" "$t/src" "$t/plugins/pa" \
             "$t/plugins/pb" "$t/examples/ex" "$t/tests/unit"
    printf '#include <stddef.h>\n' > "$t/include/charon/api.h"
    printf '#include "b64.h"\n#include <charon/api.h>\n' > "$t/lib/b64.c"
    : > "$t/lib/b64.h"
    printf '#include "core.h"\n#include "b64.h"\n' > "$t/src/core.c"
    : > "$t/src/core.h"
    printf '#include "pa.h"\n#include "b64.h"\n#include <charon/api.h>\n' \
        > "$t/plugins/pa/pa.c"
    : > "$t/plugins/pa/pa.h"
    : > "$t/plugins/pb/pb.h"
    printf '#include <charon/api.h>\n' > "$t/examples/ex/ex.c"
    printf '#include "core.h"\n#include "pa.h"\n' > "$t/tests/unit/test_core.c"
    out=$(layers_check "$t" 2>&1)
    rc=$?
    if [ $rc != 0 ]; then
        echo "not ok - self-test: a clean tree fails:"; echo "$out"; fail=1
    else
        echo "ok - self-test: a clean tree passes"
    fi

    printf '#include <stddef.h>\n#include "core.h"\n' > "$t/include/charon/bad.h"
    printf '#include "cfg.h"\n' > "$t/include/charon/gen.h"
    printf '#include "b64.h"\n#include "core.h"\n' > "$t/lib/bad.c"
    printf '\n#include "core.h"\n' > "$t/plugins/pa/bad.c"
    printf '#include "pb.h"\n' > "$t/plugins/pa/other.c"
    printf '#include "../../src/core.h"\n' > "$t/plugins/pa/rel.c"
    printf '#include "pa.h"\n' > "$t/src/bad.c"
    printf '#include "b64.h"\n' > "$t/examples/ex/bad.c"
    out=$(layers_check "$t" 2>&1)
    rc=$?
    if [ $rc = 1 ]; then
        echo "ok - self-test: planted violations fail the check"
    else
        echo "not ok - self-test: planted violations: exit $rc, not 1"; fail=1
    fi
    for want in "include/charon/bad.h:2:" "include/charon/gen.h:1:" \
                "lib/bad.c:2:" "plugins/pa/bad.c:2:" "plugins/pa/other.c:1:" \
                "plugins/pa/rel.c:1:" "src/bad.c:1:" "examples/ex/bad.c:1:"; do
        case $out in
            *"$want"*) echo "ok - self-test: names $want" ;;
            *) echo "not ok - self-test: does not name $want"; fail=1 ;;
        esac
    done
    case $out in
        *"lib/bad.c:1:"*|*"src/core.c"*|*"tests/unit"*)
            echo "not ok - self-test: blames an allowed include:"
            echo "$out"; fail=1 ;;
    esac
    echo "# the planted tree's report:"
    echo "$out" | sed 's/^/#   /'
    rm -rf "$t"
    return $fail
}

case $# in
    0)
        root=${CHARON_TEST_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
        layers_self_test || exit 1
        layers_check "$root"
        exit $?
        ;;
    1)
        layers_check "$1"
        exit $?
        ;;
    *)
        echo "usage: layers.sh [DIR]" >&2
        exit 2
        ;;
esac
