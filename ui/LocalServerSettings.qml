// Settings → Local server: other programs (editors, scripts, Open WebUI) use the loaded model
// through OpenAI's or Ollama's API. Off by default, this computer only unless allowed.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    id: page
    spacing: 8
    property string newKey: ""
    Switch {
        objectName: "serverSwitch"
        text: qsTr("Serve the loaded model to other programs")
        checked: ServerController.enabled
        onToggled: ServerController.enabled = checked
        Accessible.name: text
    }
    Label {
        objectName: "serverStatus"
        text: ServerController.status
        textFormat: Text.PlainText
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        color: ServerController.running ? "#2e6b30" : palette.windowText
    }
    Label {
        visible: ServerController.running
        text: qsTr("%n request(s) answered", "", ServerController.requests)
        opacity: 0.7
    }
    RowLayout {
        Label { text: qsTr("Port") }
        SpinBox {
            from: 1; to: 65535
            value: ServerController.port
            editable: true
            textFromValue: (value) => String(value)
            valueFromText: (text) => parseInt(text)
            onValueModified: ServerController.port = value
            Accessible.name: qsTr("Server port")
        }
    }
    CheckBox {
        text: qsTr("Save chats made through the server to the history")
        checked: ServerController.saveChats
        onToggled: ServerController.saveChats = checked
        Accessible.name: text
    }
    CheckBox {
        text: qsTr("Allow other devices on my network")
        checked: ServerController.allowNetwork
        onToggled: ServerController.allowNetwork = checked
        Accessible.name: text
    }
    Label {
        visible: ServerController.allowNetwork
        text: qsTr("Anyone who can reach this computer can then use the model and read what it writes. Set an API key, and allow this only on networks you trust.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        color: "#9a5b00"
    }
    RowLayout {
        Label { text: ServerController.hasApiKey ? qsTr("API key: set") : qsTr("API key: none") }
        Button {
            text: ServerController.hasApiKey ? qsTr("New key") : qsTr("Create a key")
            onClicked: page.newKey = ServerController.createApiKey()
        }
        Button {
            visible: ServerController.hasApiKey
            text: qsTr("Remove")
            onClicked: { ServerController.removeApiKey(); page.newKey = "" }
        }
    }
    TextField {
        visible: page.newKey !== ""
        text: page.newKey
        readOnly: true
        selectByMouse: true
        Layout.fillWidth: true
        Accessible.name: qsTr("The new API key")
    }
    Label {
        visible: page.newKey !== ""
        text: qsTr("Copy it now: Hearth shows a key only once. Clients send it as 'Authorization: Bearer <key>'.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
}
