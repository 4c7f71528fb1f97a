// Assistants: the current settings (system prompt, sampling, thinking) and model saved under a
// name to start new chats from; shared as .json files.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    spacing: 8
    Label {
        text: qsTr("An assistant is a name for a chat's settings: its system prompt, sampling, thinking and model. Start a chat with one from the sidebar.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        Layout.maximumWidth: 420
        opacity: 0.8
    }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: assistantName
            objectName: "assistantNameField"
            placeholderText: qsTr("Name, e.g. Code reviewer")
            Layout.fillWidth: true
            Accessible.name: qsTr("New assistant's name")
            onAccepted: saveButton.clicked()
        }
        Button {
            id: saveButton
            text: qsTr("Save current settings")
            enabled: assistantName.text.trim() !== ""
            onClicked: if (ChatController.saveAssistant(assistantName.text)) assistantName.text = ""
            Accessible.name: qsTr("Save the current settings as an assistant")
        }
    }
    ListView {
        id: list
        objectName: "assistantList"
        Layout.fillWidth: true
        Layout.preferredHeight: Math.min(contentHeight, 200)
        clip: true
        model: ChatController.assistants
        delegate: RowLayout {
            id: row
            required property var modelData
            width: ListView.view.width
            Label { text: row.modelData.name; textFormat: Text.PlainText; elide: Text.ElideRight; Layout.fillWidth: true }
            Button {
                text: qsTr("Export…")
                flat: true
                onClicked: { exportDialog.assistantId = row.modelData.id; exportDialog.open() }
                Accessible.name: qsTr("Export %1").arg(row.modelData.name)
            }
            Button {
                text: qsTr("Delete")
                flat: true
                onClicked: ChatController.deleteAssistant(row.modelData.id)
                Accessible.name: qsTr("Delete %1").arg(row.modelData.name)
            }
        }
    }
    Label {
        visible: list.count === 0
        text: qsTr("No assistants yet.")
        opacity: 0.6
    }
    Button {
        text: qsTr("Import…")
        onClicked: importDialog.open()
        Accessible.name: qsTr("Import an assistant from a file")
    }

    FileDialog {
        id: exportDialog
        property var assistantId: 0
        title: qsTr("Export the assistant")
        fileMode: FileDialog.SaveFile
        nameFilters: [qsTr("Hearth assistant (*.json)")]
        onAccepted: ChatController.exportAssistant(assistantId, selectedFile.toString())
    }
    FileDialog {
        id: importDialog
        title: qsTr("Import an assistant")
        fileMode: FileDialog.OpenFile
        nameFilters: [qsTr("Hearth assistant (*.json)")]
        onAccepted: ChatController.importAssistant(selectedFile.toString())
    }
}
