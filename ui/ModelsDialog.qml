// The model manager: GGUF files in the models folder and those added from elsewhere, what each
// one is, whether it fits the chosen device, and what can be done with it.
pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    id: dialog
    title: qsTr("Models")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 760, 760)
    height: Math.min(parent ? parent.height - 40 : 560, 560)
    standardButtons: Dialog.Close
    // Opaque in every theme (the style's dialog background let the chat show through in dark).
    background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }

    signal addModel()
    property string pendingDelete: ""

    ColumnLayout {
        anchors.fill: parent
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
                onClicked: dialog.addModel()
                Accessible.name: text
            }
        }
        Label {
            visible: ModelController.models.count === 0
            text: qsTr("No models yet. Put .gguf files in the models folder, or add one from anywhere.")
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
                            onClicked: { ModelController.loadModel(row.path); dialog.close() }
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
                            visible: !row.inFolder
                            onClicked: ModelController.models.forget(row.path)
                            Accessible.name: qsTr("Remove %1 from the list").arg(row.fileName)
                        }
                        ToolButton {
                            text: qsTr("Delete…")
                            onClicked: { dialog.pendingDelete = row.path; confirmDelete.open() }
                            Accessible.name: qsTr("Delete the file %1").arg(row.fileName)
                        }
                    }
                    Label { text: row.fileName + (row.details ? " · " + row.details : ""); textFormat: Text.PlainText; opacity: 0.75; elide: Text.ElideMiddle; Layout.fillWidth: true }
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

    Dialog {
        id: confirmDelete
        title: qsTr("Delete this model file?")
        modal: true
        anchors.centerIn: parent
        standardButtons: Dialog.Yes | Dialog.No
        Label { text: qsTr("%1 will be moved to the trash.").arg(dialog.pendingDelete); wrapMode: Text.Wrap; width: 400 }
        onAccepted: ModelController.models.deleteFile(dialog.pendingDelete)
    }
}
