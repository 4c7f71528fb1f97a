// Where the user writes: Enter sends, Shift+Enter makes a new line. Disabled, with the reason,
// while no model is loaded.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

RowLayout {
    id: root
    readonly property bool ready: ModelController.modelLoaded && !ChatController.generating
    signal editLastRequested()

    function submit() {
        if (!root.ready || input.text.trim() === "") return
        // The draft is cleared only once it is saved (a full disk keeps it here).
        if (ChatController.send(input.text)) input.text = ""
    }

    // Keyboard focus goes to the composer as soon as a model is ready.
    Connections {
        target: ModelController
        function onModelChanged() { if (ModelController.modelLoaded) input.forceActiveFocus() }
    }
    Connections {
        target: ChatController
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
            enabled: ModelController.modelLoaded
            placeholderText: ModelController.loadingModel ? qsTr("Loading the model…")
                             : ModelController.modelLoaded ? qsTr("Message (Enter to send, Shift+Enter for a new line)")
                             : qsTr("Open a model to start chatting")
            Accessible.name: qsTr("Message")
            // Tab moves on (a keyboard user is never trapped here); a tab character is not a message's.
            Keys.onTabPressed: input.nextItemInFocusChain(true).forceActiveFocus(Qt.TabFocusReason)
            Keys.onBacktabPressed: input.nextItemInFocusChain(false).forceActiveFocus(Qt.BacktabFocusReason)
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
    }
    Connections {
        target: countLater
        function onTriggered() { ChatController.inspect(input.text) }
    }
    Connections {
        target: input
        function onTextChanged() { countLater.restart() }
    }
    Connections {
        target: ChatController
        function onGeneratingChanged() { if (!ChatController.generating && input.text !== "") countLater.restart() }
    }
    Label {
        objectName: "draftTokens"
        // Counted by the worker, which is busy while a reply streams: shown when current.
        // (Always "visible", empty when there is nothing to show: Qt 6.4's RowLayout left an
        // item that became visible later at the layout's origin, over the text.)
        readonly property bool current: ModelController.modelLoaded && !ChatController.generating && input.text.trim() !== ""
        text: !current ? "" : ChatController.draftTokens === 1 ? qsTr("1 token") : qsTr("%1 tokens").arg(ChatController.draftTokens)
        opacity: 0.6
        Layout.preferredWidth: 90  // fixed: the layout does not follow the text's width as it changes
        horizontalAlignment: Text.AlignRight
        Layout.alignment: Qt.AlignVCenter
        Accessible.name: qsTr("Tokens in the message")
    }
    // The chat's Think switch, for models whose template has one (Qwen3, SmolLM3, DeepSeek V3.1, …).
    // In an always-visible holder: Qt 6.4's RowLayout draws an item that turns visible later at
    // its origin, over the message field.
    Item {
        Layout.preferredWidth: ModelController.thinkingSwitch ? 200 : 0
        Layout.preferredHeight: thinkSwitch.implicitHeight
        Layout.alignment: Qt.AlignVCenter
        // A button that steps through the three choices: a ComboBox's indicator image would be
        // loaded for every chat view even while hidden.
        Button {
            id: thinkSwitch
            objectName: "thinkSwitch"
            anchors.fill: parent
            visible: ModelController.thinkingSwitch
            readonly property var values: ["", "on", "off"]
            // gpt-oss has a reasoning effort rather than a switch: on is high, off low, its default medium.
            readonly property var labels: ModelController.reasoningEffort
                ? [qsTr("Effort: medium"), qsTr("Effort: high"), qsTr("Effort: low")]
                : [qsTr("Think: model default"), qsTr("Think: on"), qsTr("Think: off")]
            readonly property int current: Math.max(0, values.indexOf(AppSettings.think))
            text: labels[current]
            onClicked: AppSettings.think = values[(current + 1) % values.length]
            Accessible.name: qsTr("Thinking: %1").arg(labels[current])
            ToolTip.visible: hovered
            ToolTip.delay: 600
            ToolTip.text: ModelController.reasoningEffort
                ? qsTr("How long the model reasons before it answers, for this chat (click to change)")
                : qsTr("Whether the model reasons before it answers, for this chat (click to change)")
        }
    }
    Button {
        text: qsTr("Send")
        enabled: root.ready && input.text.trim() !== ""
        onClicked: root.submit()
        Accessible.name: qsTr("Send message")
    }
}
