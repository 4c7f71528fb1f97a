// Where the user writes: Enter sends, Shift+Enter makes a new line. Disabled, with the reason,
// while no model is loaded.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

RowLayout {
    id: root
    readonly property bool ready: ChatController.modelLoaded && !ChatController.generating
    signal editLastRequested()

    function submit() {
        if (!root.ready || input.text.trim() === "") return
        ChatController.send(input.text)
        input.text = ""
    }

    // Keyboard focus goes to the composer as soon as a model is ready.
    Connections {
        target: ChatController
        function onModelChanged() { if (ChatController.modelLoaded) input.forceActiveFocus() }
        function onReplyFinished() { input.forceActiveFocus() }
    }

    ScrollView {
        Layout.fillWidth: true
        Layout.preferredHeight: Math.min(160, Math.max(44, input.implicitHeight + 8))
        TextArea {
            id: input
            objectName: "composerInput"
            focus: true
            wrapMode: TextArea.Wrap
            enabled: ChatController.modelLoaded
            placeholderText: ChatController.loadingModel ? qsTr("Loading the model…")
                             : ChatController.modelLoaded ? qsTr("Message (Enter to send, Shift+Enter for a new line)")
                             : qsTr("Open a model to start chatting")
            Accessible.name: qsTr("Message")
            Keys.onReturnPressed: (event) => {
                if (event.modifiers & Qt.ShiftModifier) { event.accepted = false; return }
                root.submit()
            }
            Keys.onEnterPressed: (event) => root.submit()
            Keys.onUpPressed: (event) => {
                if (input.text === "" && root.ready) root.editLastRequested()
                else event.accepted = false
            }
        }
    }
    // The draft's token count, refreshed a moment after typing stops (the worker counts).
    Timer {
        id: countLater
        interval: 300
        onTriggered: ChatController.inspect(input.text)
    }
    Connections {
        target: input
        function onTextChanged() { countLater.restart() }
    }
    Label {
        objectName: "draftTokens"
        visible: ChatController.modelLoaded && input.text.trim() !== ""
        text: qsTr("%n token(s)", "", ChatController.draftTokens)
        opacity: 0.6
        Accessible.name: qsTr("Tokens in the message")
    }
    Button {
        text: qsTr("Send")
        enabled: root.ready && input.text.trim() !== ""
        onClicked: root.submit()
        Accessible.name: qsTr("Send message")
    }
}
