// A ComboBox whose height follows its font. Qt 6.4's Fusion ComboBox keeps the height its text
// field had when it was made, so a larger font size setting drew the text cut off at the bottom.
import QtQuick
import QtQuick.Controls

ComboBox {
    id: control
    FontMetrics {
        id: metrics
        font: control.font
    }
    implicitHeight: Math.max(implicitBackgroundHeight + topInset + bottomInset, Math.ceil(metrics.height) + 8 + topPadding + bottomPadding)
}
