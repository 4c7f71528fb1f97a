// The prompt inspector: exactly what the model is given for this conversation (the rendered chat
// template), its token count and which template produced it. For the curious and bug reports.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    id: dialog
    title: qsTr("Prompt inspector")
    modal: true
    anchors.centerIn: parent
    width: Math.min(parent ? parent.width - 40 : 800, 800)
    height: Math.min(parent ? parent.height - 40 : 560, 560)
    standardButtons: Dialog.Close
    // Opaque in every theme (the style's dialog background let the chat show through in dark).
    background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }
    onAboutToShow: ChatController.inspect("")

    ColumnLayout {
        anchors.fill: parent
        Label {
            objectName: "inspectorSummary"
            text: qsTr("%1 tokens of %2 · %3").arg(ChatController.inspectedTokens).arg(ModelController.contextLength)
                  .arg(ModelController.templateDescription)
            wrapMode: Text.Wrap
            Layout.fillWidth: true
        }
        ScrollView {
            Layout.fillWidth: true
            Layout.fillHeight: true
            TextArea {
                id: promptText
                objectName: "inspectorPrompt"
                readOnly: true
                selectByMouse: true
                wrapMode: TextArea.WrapAnywhere
                font.family: "monospace"
                text: ChatController.inspectedPrompt
                Accessible.name: qsTr("Rendered prompt")
            }
        }
        Button {
            text: qsTr("Copy")
            onClicked: { promptText.selectAll(); promptText.copy(); promptText.deselect() }
            Accessible.name: qsTr("Copy the prompt")
        }
    }
}
