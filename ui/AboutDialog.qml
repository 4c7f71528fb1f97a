// Version (from the CMake project version, through QGuiApplication::applicationVersion), what
// the engine runs on, and the privacy promise.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    title: qsTr("About Hearth")
    modal: true
    anchors.centerIn: parent
    width: 460
    standardButtons: Dialog.Close
    // Opaque in every theme (the style's dialog background let the chat show through in dark).
    background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        Label {
            objectName: "aboutVersion"
            text: qsTr("Hearth %1").arg(Qt.application.version)
            font.pointSize: Qt.application.font.pointSize * 1.5
            font.bold: true
            Accessible.name: text
        }
        Label {
            text: qsTr("Private chat with language models, run entirely on this computer.")
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        Label {
            visible: ModelController.modelLoaded
            text: ModelController.templateDescription
            wrapMode: Text.Wrap
            opacity: 0.7
            Layout.fillWidth: true
        }
        Label {
            text: qsTr("No telemetry. Nothing leaves this machine except downloads you start.")
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
    }
}
