// One message: who said it, the reasoning (collapsible), the text as Markdown, and stats.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Item {
    id: root
    required property string role
    required property string content
    required property string reasoning
    required property bool streaming
    required property string stats
    required property int siblings
    required property int branch
    required property int index
    property bool editing: false
    implicitHeight: bubble.implicitHeight
    function startEdit() { editing = true; editor.text = root.content; editor.forceActiveFocus(); editor.selectAll() }

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
            RowLayout {
                Layout.fillWidth: true
                Label {
                    text: root.role === "user" ? qsTr("You") : root.role === "assistant" ? qsTr("Assistant") : qsTr("System")
                    font.bold: true
                    opacity: 0.7
                    Layout.fillWidth: true
                }
                // Versions of this message (regenerations, edits): arrows move between branches.
                ToolButton {
                    visible: root.siblings > 1
                    enabled: root.branch > 0 && !ChatController.generating
                    text: "‹"
                    onClicked: ChatController.switchBranch(root.index, -1)
                    Accessible.name: qsTr("Previous version")
                }
                Label { visible: root.siblings > 1; text: qsTr("%1 / %2").arg(root.branch + 1).arg(root.siblings); opacity: 0.7 }
                ToolButton {
                    visible: root.siblings > 1
                    enabled: root.branch + 1 < root.siblings && !ChatController.generating
                    text: "›"
                    onClicked: ChatController.switchBranch(root.index, 1)
                    Accessible.name: qsTr("Next version")
                }
                ToolButton {
                    visible: root.role === "user" && !root.editing && ChatController.modelLoaded && !ChatController.generating
                    text: qsTr("Edit")
                    onClicked: root.startEdit()
                    Accessible.name: qsTr("Edit and resend this message")
                }
                ToolButton {
                    visible: !root.streaming && root.content !== ""
                    text: qsTr("Copy")
                    onClicked: { body.selectAll(); body.copy(); body.deselect() }
                    Accessible.name: qsTr("Copy this message")
                }
            }
            ColumnLayout {
                visible: root.editing
                Layout.fillWidth: true
                TextArea {
                    id: editor
                    wrapMode: TextArea.Wrap
                    Layout.fillWidth: true
                    Accessible.name: qsTr("Edited message")
                    Keys.onReturnPressed: (event) => {
                        if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                        ChatController.editAndResend(root.index, editor.text); root.editing = false
                    }
                    Keys.onEscapePressed: root.editing = false
                }
                RowLayout {
                    Button { text: qsTr("Send"); onClicked: { ChatController.editAndResend(root.index, editor.text); root.editing = false } }
                    Button { text: qsTr("Cancel"); flat: true; onClicked: root.editing = false }
                }
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
                id: body
                visible: !root.editing
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
