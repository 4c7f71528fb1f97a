// Shown instead of the chat window when the data folder cannot be used (read-only, missing
// permissions, a full disk): what is wrong and where, and a way to pick another folder.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts

ApplicationWindow {
    id: window
    required property string problem
    required property string folder
    signal folderChosen(string folder)
    signal quitRequested()
    width: 620
    height: 300
    visible: true
    title: qsTr("Hearth cannot open its data folder")
    onClosing: window.quitRequested()

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 20
        spacing: 12
        Label {
            text: qsTr("Hearth cannot keep your conversations in this folder")
            font.bold: true
            font.pointSize: Qt.application.font.pointSize * 1.4
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Label {
            objectName: "problemFolder"
            text: window.folder
            textFormat: Text.PlainText
            font.family: "monospace"
            Layout.fillWidth: true
            wrapMode: Text.WrapAnywhere
        }
        Label {
            objectName: "problemText"
            text: window.problem
            textFormat: Text.PlainText
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            opacity: 0.8
        }
        Label {
            text: qsTr("Choose another folder (it is remembered), or fix the folder's permissions or free disk space and start Hearth again.")
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            Layout.alignment: Qt.AlignRight
            Button {
                objectName: "chooseFolderButton"
                text: qsTr("Choose another folder…")
                highlighted: true
                onClicked: folderDialog.open()
            }
            Button { text: qsTr("Quit"); onClicked: window.quitRequested() }
        }
    }
    FolderDialog {
        id: folderDialog
        title: qsTr("A folder for Hearth's conversations")
        onAccepted: window.folderChosen(decodeURIComponent(selectedFolder.toString().replace(/^file:\/\//, "")))
    }
}
