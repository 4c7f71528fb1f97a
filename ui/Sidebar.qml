// Conversation list: newest first, pinned on top; a new-chat button.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Pane {
    padding: 8
    ColumnLayout {
        anchors.fill: parent
        Button {
            text: qsTr("New chat")
            Layout.fillWidth: true
            onClicked: ChatController.newConversation()
            Accessible.name: qsTr("New chat")
        }
        ListView {
            id: list
            objectName: "conversationList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: ChatController.conversations
            delegate: ItemDelegate {
                id: row
                required property var conversationId
                required property string title
                required property bool pinned
                width: ListView.view.width
                highlighted: conversationId === ChatController.currentConversation
                text: (pinned ? "📌 " : "") + title
                onClicked: ChatController.openConversation(conversationId)
                Accessible.name: qsTr("Conversation %1").arg(title)
                ToolButton {
                    anchors.right: parent.right
                    anchors.verticalCenter: parent.verticalCenter
                    visible: row.hovered || row.highlighted
                    text: "✕"
                    onClicked: ChatController.deleteConversation(row.conversationId)
                    Accessible.name: qsTr("Delete conversation")
                }
            }
        }
    }
}
