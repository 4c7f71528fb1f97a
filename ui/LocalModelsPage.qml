// The models on this computer: the models folder, files added from elsewhere, and what other
// apps (LM Studio, Ollama, GPT4All, Jan, the Hugging Face cache) keep, used where they are.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

ColumnLayout {
    id: page
    signal addModel()
    signal loaded()
    signal deleteRequested(string path)
    spacing: 8
    RowLayout {
        Layout.fillWidth: true
        Label {
            text: qsTr("Models folder: %1").arg(ModelController.models.folder)
            elide: Text.ElideMiddle
            Layout.fillWidth: true
        }
        Button {
            text: qsTr("Open folder")
            onClicked: Qt.openUrlExternally(ModelController.models.folderUrl)
            Accessible.name: qsTr("Open the models folder")
        }
        Button {
            text: qsTr("Add a model file…")
            onClicked: page.addModel()
            Accessible.name: text
        }
    }
    Label {
        visible: ModelController.models.count === 0
        text: qsTr("No models yet. Download one from the Catalog or Hugging Face tabs, put .gguf files in the models folder, or add one from anywhere.")
        wrapMode: Text.Wrap
        Layout.fillWidth: true
    }
    ListView {
        id: list
        objectName: "modelList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        spacing: 6
        model: ModelController.models
        delegate: Frame {
            id: row
            required property string path
            required property string title
            required property string fileName
            required property string details
            required property string error
            required property bool fits
            required property string fit
            required property bool isDefault
            required property bool inFolder
            required property string source
            width: ListView.view.width
            ColumnLayout {
                anchors.fill: parent
                spacing: 2
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        text: row.title + (row.isDefault ? qsTr("  (default)") : "")
                        textFormat: Text.PlainText  // general.name comes from the file
                        font.bold: true
                        elide: Text.ElideRight
                        Layout.fillWidth: true
                    }
                    Button {
                        text: qsTr("Load")
                        enabled: row.error === "" && !ChatController.generating
                        onClicked: { ModelController.loadModel(row.path); page.loaded() }
                        Accessible.name: qsTr("Load %1").arg(row.fileName)
                    }
                    ToolButton {
                        text: qsTr("Set default")
                        visible: !row.isDefault && row.error === ""
                        onClicked: ModelController.models.setDefault(row.path)
                        Accessible.name: qsTr("Make %1 the default model").arg(row.fileName)
                    }
                    ToolButton {
                        text: qsTr("Remove")
                        visible: !row.inFolder && row.source === ""
                        onClicked: ModelController.models.forget(row.path)
                        Accessible.name: qsTr("Remove %1 from the list").arg(row.fileName)
                    }
                    ToolButton {
                        text: qsTr("Delete…")
                        visible: row.source === ""  // another app's file is never deleted from here
                        onClicked: page.deleteRequested(row.path)
                        Accessible.name: qsTr("Delete the file %1").arg(row.fileName)
                    }
                }
                Label {
                    text: (row.source !== "" ? qsTr("%1 (in %2's folder, used in place)").arg(row.fileName).arg(row.source) : row.fileName)
                          + (row.details ? " · " + row.details : "")
                    textFormat: Text.PlainText
                    opacity: 0.75
                    elide: Text.ElideMiddle
                    Layout.fillWidth: true
                }
                Label { visible: row.error !== ""; text: row.error; textFormat: Text.PlainText; color: "#a12622"; wrapMode: Text.Wrap; Layout.fillWidth: true }
                Label {
                    visible: row.error === "" && row.fit !== ""
                    text: row.fit
                    color: row.fits ? "#2e6b30" : "#9a5b00"
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
            }
        }
    }
}
