// One message: who said it, the reasoning (collapsible), the text as Markdown, and stats.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

Item {
    id: root
    required property string role
    required property string content
    required property string reasoning
    required property bool streaming
    required property string stats
    required property int siblings
    implicitHeight: bubble.implicitHeight

    Rectangle {
        id: bubble
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.leftMargin: root.role === "user" ? 80 : 16
        anchors.rightMargin: root.role === "user" ? 16 : 80
        implicitHeight: column.implicitHeight + 20
        radius: 10
        color: root.role === "user" ? palette.alternateBase : palette.base
        border.color: palette.mid
        border.width: root.role === "user" ? 0 : 1

        ColumnLayout {
            id: column
            anchors.fill: parent
            anchors.margins: 10
            spacing: 6
            Label {
                text: (root.role === "user" ? qsTr("You") : root.role === "assistant" ? qsTr("Assistant") : qsTr("System"))
                      + (root.siblings > 1 ? qsTr("  ·  %1 versions").arg(root.siblings) : "")
                font.bold: true
                opacity: 0.7
            }
            Button {
                id: thinkingToggle
                visible: root.reasoning !== ""
                checkable: true
                checked: root.streaming && root.content === ""
                flat: true
                text: (checked ? "▾ " : "▸ ") + (root.streaming && root.content === "" ? qsTr("Thinking…") : qsTr("Thinking"))
                Accessible.name: qsTr("Show the model's reasoning")
            }
            Label {
                visible: thinkingToggle.visible && thinkingToggle.checked
                text: root.reasoning
                wrapMode: Text.Wrap
                opacity: 0.65
                font.italic: true
                Layout.fillWidth: true
            }
            TextEdit {
                text: root.content + (root.streaming ? " ▍" : "")
                textFormat: root.streaming ? TextEdit.PlainText : TextEdit.MarkdownText
                wrapMode: Text.Wrap
                readOnly: true
                selectByMouse: true
                color: palette.text
                Layout.fillWidth: true
                Accessible.name: qsTr("Message text")
            }
            Label {
                visible: root.stats !== ""
                text: root.stats
                font.pixelSize: 11
                opacity: 0.55
            }
        }
    }
}
