// First run: where models come from and how to add one. No dead ends.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Item {
    id: root
    signal addModel()
    ColumnLayout {
        anchors.centerIn: parent
        width: Math.min(parent.width - 64, 520)
        spacing: 16
        Label {
            text: qsTr("Welcome to Hearth")
            font.pixelSize: 28
            font.bold: true
            Layout.alignment: Qt.AlignHCenter
        }
        Label {
            text: qsTr("Hearth runs language models entirely on this computer: nothing you type leaves it. "
                       + "Download a model in GGUF format (for example a Qwen, Llama or DeepSeek-R1 distill from Hugging Face), then add it here.")
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
        }
        RowLayout {
            Layout.alignment: Qt.AlignHCenter
            Button {
                objectName: "addModelButton"
                text: qsTr("Add a model file…")
                highlighted: true
                onClicked: root.addModel()
                Accessible.name: text
            }
            Button {
                objectName: "openFolderButton"
                text: qsTr("Open models folder")
                onClicked: Qt.openUrlExternally(ModelController.models.folderUrl)
                Accessible.name: text
            }
        }
        Label {
            text: qsTr("Files in the models folder (%1) are listed in Models…; you can also drop a .gguf file onto this window.")
                  .arg(ModelController.models.folder)
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            Layout.fillWidth: true
            opacity: 0.6
            Layout.alignment: Qt.AlignHCenter
        }
    }
}
