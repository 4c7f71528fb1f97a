// Shown at start when the history is encrypted: the passphrase opens it; nothing of the chats
// is read before that.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ApplicationWindow {
    id: window
    required property string folder
    property string problem: ""
    signal passphraseEntered(string passphrase)
    signal quitRequested()
    width: 520
    height: 280
    visible: true
    title: qsTr("Hearth — unlock your history")
    onClosing: window.quitRequested()

    function submit() {
        if (passphraseField.text === "") return
        window.problem = ""
        window.passphraseEntered(passphraseField.text)
        passphraseField.text = ""
        passphraseField.forceActiveFocus()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 20
        spacing: 10
        Label {
            text: qsTr("Your history is encrypted")
            font.bold: true
            font.pointSize: Qt.application.font.pointSize * 1.4
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Label {
            text: qsTr("Enter the passphrase you chose to open your conversations.")
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        TextField {
            id: passphraseField
            objectName: "passphraseField"
            echoMode: TextInput.Password
            placeholderText: qsTr("Passphrase")
            Layout.fillWidth: true
            focus: true
            Accessible.name: qsTr("Passphrase")
            onAccepted: window.submit()
            Component.onCompleted: forceActiveFocus()
        }
        Label {
            objectName: "unlockProblem"
            text: window.problem
            visible: text !== ""
            color: "#c0392b"
            textFormat: Text.PlainText
            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Label {
            text: window.folder
            textFormat: Text.PlainText
            font.family: "monospace"
            opacity: 0.6
            Layout.fillWidth: true
            wrapMode: Text.WrapAnywhere
        }
        Item { Layout.fillHeight: true }
        RowLayout {
            Layout.alignment: Qt.AlignRight
            Button {
                objectName: "unlockButton"
                text: qsTr("Unlock")
                highlighted: true
                enabled: passphraseField.text !== ""
                onClicked: window.submit()
            }
            Button { text: qsTr("Quit"); onClicked: window.quitRequested() }
        }
    }
}
