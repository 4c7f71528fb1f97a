// One message: who said it, the reasoning (collapsible), the text as Markdown, and stats.
// The Markdown arrives as safe HTML made in C++ (no raw HTML, no images, nothing fetched); a
// long message shows its first part and the rest on request, so opening a chat never blocks.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Item {
    id: root
    required property string role
    required property string content    // at most the preview's length
    required property string html
    required property int length
    required property bool interrupted
    required property string reasoning
    required property bool streaming
    required property string stats
    required property int siblings
    required property int branch
    required property int index
    required property var attachments  // [{name, kind, bytes}]: files sent with the message
    property bool editing: false
    readonly property int previewLength: 20000  // kMessagePreviewChars
    readonly property int chunkLength: 50000
    readonly property int streamChunk: 2000  // see the streaming text below
    property int extraChunks: 0  // parts of a long message shown after the preview
    readonly property int hiddenLength: Math.max(0, root.length - root.previewLength - root.extraChunks * root.chunkLength)
    implicitHeight: bubble.implicitHeight
    function startEdit() { editing = true; editor.text = ChatController.messageText(root.index); editor.forceActiveFocus(); editor.selectAll() }

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
                    visible: root.role === "user" && !root.editing && ModelController.modelLoaded && !ChatController.generating
                    text: qsTr("Edit")
                    onClicked: root.startEdit()
                    Accessible.name: qsTr("Edit and resend this message")
                }
                ToolButton {
                    visible: !root.streaming && root.content !== ""
                    text: qsTr("Copy")
                    onClicked: ChatController.copyMessage(root.index)
                    Accessible.name: qsTr("Copy this message")
                }
            }
            // The files sent with the message, as chips (their text went into the prompt).
            Flow {
                objectName: "messageAttachments"
                Layout.fillWidth: true
                Layout.preferredHeight: root.attachments.length > 0 ? implicitHeight : 0
                visible: root.attachments.length > 0
                spacing: 6
                Repeater {
                    model: root.attachments
                    delegate: Rectangle {
                        id: fileChip
                        required property var modelData
                        radius: height / 2
                        color: palette.base
                        border.color: palette.mid
                        implicitWidth: fileLabel.implicitWidth + 16
                        implicitHeight: fileLabel.implicitHeight + 6
                        Accessible.role: Accessible.StaticText
                        Accessible.name: qsTr("Attached file %1").arg(fileChip.modelData.name)
                        Label {
                            id: fileLabel
                            anchors.centerIn: parent
                            text: fileChip.modelData.name + "  ·  "
                                  + Qt.locale().formattedDataSize(fileChip.modelData.bytes)
                            textFormat: Text.PlainText
                        }
                    }
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
                textFormat: Text.PlainText  // the model's words, never markup
                text: root.reasoning
                wrapMode: Text.Wrap
                opacity: 0.65
                font.italic: true
                Layout.fillWidth: true
            }
            // Two views with fixed formats: the renderer's HTML when the message is complete, the
            // text itself (plain) while it streams. A format that switched with the text would,
            // for an instant, read a message as markup (seen in the privacy test: a fetch).
            TextEdit {
                id: body
                objectName: "messageBody"
                visible: !root.editing && !root.streaming && root.html !== ""
                text: visible ? root.html : ""
                textFormat: TextEdit.RichText  // only ever the renderer's output: no resources in it
                wrapMode: Text.Wrap
                readOnly: true
                selectByMouse: true
                color: palette.text
                Layout.fillWidth: true
                Accessible.name: qsTr("Message text")
                // Links open in the system browser only when clicked; hovering shows where to.
                // (and a code block's "Copy code" link copies it).
                onLinkActivated: (link) => ChatController.activateLink(root.index, link)
                HoverHandler { cursorShape: body.hoveredLink !== "" ? Qt.PointingHandCursor : Qt.IBeamCursor }
                ToolTip.visible: body.hoveredLink !== ""
                ToolTip.text: body.hoveredLink.startsWith("hearth-copy:") ? qsTr("Copy this code block") : body.hoveredLink
            }
            // The text itself (plain) while it streams, in parts of streamChunk characters: the
            // finished parts stay as they are and only the last one grows, so each batch lays out
            // at most one part, however long the reply is.
            Repeater {
                model: !root.editing && !body.visible ? Math.floor(root.content.length / root.streamChunk) : 0
                TextEdit {
                    required property int index
                    text: root.content.substring(index * root.streamChunk, (index + 1) * root.streamChunk)
                    textFormat: TextEdit.PlainText
                    wrapMode: Text.Wrap
                    readOnly: true
                    selectByMouse: true
                    color: palette.text
                    Layout.fillWidth: true
                }
            }
            TextEdit {
                id: plainBody
                objectName: "messageBody"
                visible: !root.editing && !body.visible
                text: visible ? root.content.substring(Math.floor(root.content.length / root.streamChunk) * root.streamChunk)
                                + (root.streaming ? " ▍" : "") : ""
                textFormat: TextEdit.PlainText
                wrapMode: Text.Wrap
                readOnly: true
                selectByMouse: true
                color: palette.text
                Layout.fillWidth: true
                Accessible.name: qsTr("Message text")
            }
            // The rest of a long message, a part at a time, as plain text.
            Repeater {
                model: root.editing ? 0 : root.extraChunks
                TextEdit {
                    id: chunk
                    required property int index
                    text: ChatController.messageTextSlice(root.index, root.previewLength + chunk.index * root.chunkLength, root.chunkLength)
                    textFormat: TextEdit.PlainText
                    wrapMode: Text.Wrap
                    readOnly: true
                    selectByMouse: true
                    color: palette.text
                    Layout.fillWidth: true
                }
            }
            Button {
                objectName: "showMoreButton"
                visible: !root.editing && !root.streaming && root.hiddenLength > 0
                flat: true
                text: qsTr("Show more (%1 of %2 characters not shown)").arg(root.hiddenLength).arg(root.length)
                onClicked: root.extraChunks += 1
                Accessible.name: qsTr("Show more of this message")
            }
            RowLayout {
                visible: root.interrupted
                Label {
                    text: qsTr("Interrupted: Hearth stopped before this reply was finished.")
                    font.italic: true
                    opacity: 0.7
                }
                Button {
                    objectName: "continueButton"
                    visible: root.ListView.view !== null && root.index === root.ListView.view.count - 1 && root.reasoning === ""
                    enabled: ModelController.modelLoaded && !ChatController.generating
                    text: qsTr("Continue")
                    onClicked: ChatController.continueReply()
                    Accessible.name: qsTr("Continue the interrupted reply")
                }
            }
            Label {
                visible: root.stats !== ""
                text: root.stats
                font.pointSize: Math.max(7, Qt.application.font.pointSize - 2)  // scales with the font-size setting
                opacity: 0.55
            }
        }
    }
}
