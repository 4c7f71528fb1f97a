// A plain progress bar: Fusion's ProgressBar keeps a texture Qt 6.4 never frees (LeakSanitizer
// reports it at exit), and lists may show many of these.
import QtQuick

Rectangle {
    id: bar
    property real value: 0  // 0..1
    implicitHeight: 6
    radius: 3
    color: palette.mid
    Accessible.role: Accessible.ProgressBar
    Rectangle {
        width: bar.width * Math.max(0, Math.min(1, bar.value))
        height: bar.height
        radius: bar.radius
        color: palette.highlight
    }
}
