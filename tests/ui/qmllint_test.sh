#!/usr/bin/env bash
# qmllint over every view: any warning fails. Qt 6.4's qmllint cannot resolve QtQml's own types
# (Connections, Timer) or Qt's enums from Debian's qmltypes, so the categories that only report
# those (import, type, property, signal, compiler) are off; the rest (unqualified access,
# required properties, deprecations, aliases, with, unused imports…) are errors.
#   qmllint_test.sh <qmllint> <build qml dir> <Qt qml dir> <ui dir>
set -uo pipefail
qmllint="$1" build_qml="$2" qt_qml="$3" ui="$4"
out=$("$qmllint" -I "$build_qml" -I "$qt_qml" --import disable --type disable --property disable --signal disable \
      --compiler disable "$ui"/*.qml 2>&1)
if grep -qE "^(Warning|Error)" <<<"$out"; then
    echo "$out"
    echo "FAIL: qmllint found problems in the views (above)"
    exit 1
fi
echo "qmllint: $(ls "$ui"/*.qml | wc -l) views, no warnings"
