// Privacy settings: where the history lives, and deleting all of it for good.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    spacing: 8
    Label {
        text: qsTr("Your chats are kept only on this computer, in Hearth's own database. Deleting a chat erases its words from the file itself, not just from the list.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.maximumWidth: 420
    }
    Button {
        objectName: "deleteAllHistoryButton"
        text: qsTr("Delete all history…")
        enabled: !ChatController.generating
        onClicked: confirmDeleteAll.open()
        Accessible.name: qsTr("Delete all history")
        Accessible.description: qsTr("Deletes every conversation; this cannot be undone")
    }
    Label {
        id: deleteAllResult
        visible: text !== ""
        opacity: 0.7
    }

    Dialog {
        id: confirmDeleteAll
        objectName: "confirmDeleteAllDialog"
        title: qsTr("Delete all history?")
        modal: true
        anchors.centerIn: Overlay.overlay
        standardButtons: Dialog.Cancel | Dialog.Yes
        background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }
        Label {
            text: qsTr("Every conversation is deleted and erased from the database file. This cannot be undone.")
            wrapMode: Text.Wrap
            width: 320
        }
        onAccepted: deleteAllResult.text = ChatController.deleteAllHistory() ? qsTr("All history deleted.") : ""
    }
}
