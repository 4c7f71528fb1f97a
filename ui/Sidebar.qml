// Conversations: search across all chats (Ctrl+F), new chat, the list grouped by day with pinned
// ones on top; rename (double-click), pin, delete with undo.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Pane {
    id: root
    padding: 8
    function focusSearch() { search.forceActiveFocus(); search.selectAll() }

    ColumnLayout {
        anchors.fill: parent
        TextField {
            id: search
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search all chats (Ctrl+F)")
            onTextChanged: ChatController.search(text)
            Keys.onEscapePressed: text = ""
            Accessible.name: qsTr("Search all chats")
        }
        // Side by side while both labels fit, one above the other when a large font would cut them.
        GridLayout {
            visible: search.text === ""
            Layout.fillWidth: true
            columns: newChatButton.implicitWidth + incognitoButton.implicitWidth + columnSpacing <= width ? 2 : 1
            Button {
                id: newChatButton
                text: qsTr("New chat")
                Layout.fillWidth: true
                onClicked: ChatController.newConversation()
                Accessible.name: qsTr("New chat")
            }
            Button {
                id: incognitoButton
                objectName: "incognitoButton"
                text: qsTr("Incognito")
                Layout.fillWidth: true
                onClicked: ChatController.newIncognitoConversation()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("A chat that is never saved: gone when you leave it (Ctrl+Shift+N)")
                Accessible.name: qsTr("New incognito chat")
                Accessible.description: ToolTip.text
            }
        }
        // A button and a popup list, not a combo box or a Menu: their images leak under LeakSanitizer (Qt 6.4).
        Button {
            id: assistantButton
            objectName: "assistantPicker"
            property alias menu: assistantMenu  // for tests: a popup is not among the children
            visible: search.text === "" && ChatController.assistants.length > 0
            text: qsTr("New chat with an assistant…")
            Layout.fillWidth: true
            onClicked: {
                assistantMenu.x = 0
                assistantMenu.y = assistantButton.height
                assistantMenu.width = Math.max(assistantButton.width, assistantMenu.implicitWidth)
                assistantMenu.open()
            }
            Accessible.name: qsTr("New chat with an assistant")
            Popup {
                id: assistantMenu
                padding: 1
                focus: true  // the keyboard moves into it: Tab through the choices, Escape closes
                Connections {
                    target: ChatController
                    function onNoticeChanged() { assistantMenu.close() }
                    function onCurrentConversationChanged() { assistantMenu.close() }
                }
                ColumnLayout {
                    width: assistantMenu.availableWidth
                    spacing: 0
                    Repeater {
                        model: ChatController.assistants
                        delegate: ItemDelegate {
                            required property var modelData
                            objectName: "assistantChoice"
                            text: modelData.name
                            Layout.fillWidth: true
                            Accessible.name: qsTr("New chat with %1").arg(modelData.name)
                            // The chat's notice changes as it starts; the popup closes on that.
                            onClicked: ChatController.newConversationWithAssistant(modelData.id)
                        }
                    }
                }
            }
        }
        Rectangle {
            visible: ChatController.canUndoDelete
            Layout.fillWidth: true
            implicitHeight: undoRow.implicitHeight + 8
            color: palette.alternateBase
            radius: 4
            RowLayout {
                id: undoRow
                anchors.fill: parent
                anchors.margins: 4
                Label { text: qsTr("Conversation deleted"); Layout.fillWidth: true }
                Button { objectName: "undoDelete"; text: qsTr("Undo"); onClicked: ChatController.undoDelete(); Accessible.name: qsTr("Undo delete") }
            }
        }
        // Search hits, best first; a hit opens its conversation at the message.
        ListView {
            objectName: "searchResults"
            visible: search.text !== ""
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: ChatController.searchResults
            delegate: ItemDelegate {
                id: hit
                required property var conversationId
                required property var messageId
                required property string title
                required property string snippet
                width: ListView.view.width
                contentItem: Column {
                    Label { text: hit.title; textFormat: Text.PlainText; font.bold: true; elide: Text.ElideRight; width: parent.width }
                    Label { text: hit.snippet; textFormat: Text.StyledText; wrapMode: Text.Wrap; width: parent.width; opacity: 0.8; maximumLineCount: 3 }
                }
                onClicked: ChatController.openSearchHit(hit.conversationId, hit.messageId)
                Accessible.name: qsTr("Search result in %1").arg(title)
            }
            Label {
                anchors.centerIn: parent
                visible: parent.count === 0
                text: qsTr("No matches")
                opacity: 0.6
            }
        }
        ListView {
            id: list
            objectName: "conversationList"
            visible: search.text === ""
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: ChatController.conversations
            section.property: "section"
            section.delegate: Label {
                required property string section
                text: section
                font.bold: true
                opacity: 0.6
                topPadding: 8
                bottomPadding: 2
            }
            delegate: ItemDelegate {
                id: row
                required property var conversationId
                required property string title
                required property bool pinned
                property bool editing: false
                width: ListView.view.width
                highlighted: !ChatController.incognito && conversationId === ChatController.currentConversation
                text: editing ? "" : title
                // A title is text the user or an imported file chose: never markup.
                contentItem: Label {
                    text: row.text
                    textFormat: Text.PlainText
                    elide: Text.ElideRight
                    verticalAlignment: Text.AlignVCenter
                    font.bold: row.highlighted
                    color: row.highlighted ? row.palette.highlightedText : row.palette.text  // readable on the highlight in every theme
                }
                rightPadding: actions.width + 8
                onClicked: ChatController.openConversation(conversationId)
                onDoubleClicked: editing = true
                Accessible.name: qsTr("Conversation %1").arg(title)
                TextField {
                    visible: row.editing
                    anchors.fill: parent
                    text: row.title
                    onVisibleChanged: if (visible) { forceActiveFocus(); selectAll() }
                    onAccepted: { ChatController.renameConversation(row.conversationId, text); row.editing = false }
                    Keys.onEscapePressed: row.editing = false
                    onActiveFocusChanged: if (!activeFocus) row.editing = false
                    Accessible.name: qsTr("Conversation title")
                }
                Row {
                    id: actions
                    anchors.right: parent.right
                    anchors.verticalCenter: parent.verticalCenter
                    visible: !row.editing && (row.hovered || row.highlighted || row.pinned)
                    ToolButton {
                        text: row.pinned ? "★" : "☆"
                        palette.buttonText: row.highlighted ? row.palette.highlightedText : row.palette.buttonText
                        onClicked: ChatController.setPinned(row.conversationId, !row.pinned)
                        Accessible.name: row.pinned ? qsTr("Unpin conversation") : qsTr("Pin conversation")
                    }
                    ToolButton {
                        visible: row.hovered || row.highlighted
                        text: "✎"
                        palette.buttonText: row.highlighted ? row.palette.highlightedText : row.palette.buttonText
                        onClicked: row.editing = true
                        Accessible.name: qsTr("Rename conversation")
                    }
                    ToolButton {
                        visible: row.hovered || row.highlighted
                        text: "✕"
                        palette.buttonText: row.highlighted ? row.palette.highlightedText : row.palette.buttonText
                        onClicked: ChatController.deleteConversation(row.conversationId)
                        Accessible.name: qsTr("Delete conversation")
                    }
                }
            }
        }
    }
}
