// Models & network settings: offline mode, the Hub's address (a mirror), the access token for
// gated repositories, and which other apps' folders are listed.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    spacing: 8
    Switch {
        objectName: "offlineSwitch"
        text: qsTr("Offline mode: never use the network")
        checked: DownloadController.offline
        onToggled: DownloadController.offline = checked
        Accessible.name: text
    }
    Label {
        text: qsTr("Without it, Hearth uses the network only when you search Hugging Face or download a model; chats never do.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
        opacity: 0.7
    }
    Label { text: qsTr("Hugging Face address (or a mirror)") }
    TextField {
        text: DownloadController.hubEndpoint
        placeholderText: "https://huggingface.co"
        onEditingFinished: DownloadController.hubEndpoint = text
        Layout.fillWidth: true
        Accessible.name: qsTr("Hugging Face address")
    }
    Label { text: DownloadController.hasToken ? qsTr("Access token: saved") : qsTr("Access token (for gated models)") }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: token
            echoMode: TextInput.Password
            placeholderText: qsTr("hf_…")
            Layout.fillWidth: true
            Accessible.name: qsTr("Hugging Face access token")
        }
        Button { text: qsTr("Save"); enabled: token.text !== ""; onClicked: { DownloadController.setToken(token.text); token.text = "" } }
        Button { text: qsTr("Remove"); visible: DownloadController.hasToken; onClicked: DownloadController.setToken("") }
    }
    Label { text: qsTr("List models other apps downloaded (used in place, never copied):") }
    Repeater {
        model: DownloadController.sources
        CheckBox {
            required property var modelData
            text: modelData.label
            checked: modelData.enabled
            onToggled: DownloadController.setSourceEnabled(modelData.id, checked)
            ToolTip.visible: hovered
            ToolTip.text: modelData.folders
            Accessible.name: qsTr("List models from %1").arg(modelData.label)
        }
    }
}
