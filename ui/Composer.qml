// Where the user writes: Enter sends, Shift+Enter makes a new line. Disabled, with the reason,
// while no model is loaded. Files (text, code, Markdown, CSV, PDF) are attached with the paper
// clip or dropped here; each shows as a chip with its size in tokens.
import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import Hearth.Core

Item {
    id: root
    readonly property bool ready: ModelController.modelLoaded && !ChatController.generating
    readonly property bool hasFiles: ChatController.attachments.count > 0
    signal editLastRequested()
    implicitWidth: column.implicitWidth
    implicitHeight: column.implicitHeight

    function submit() {
        if (!root.ready || (input.text.trim() === "" && !root.hasFiles)) return
        // The draft is cleared only once it is saved (a full disk keeps it here).
        if (ChatController.send(input.text)) input.text = ""
    }

    DropArea {
        // Files dropped anywhere on the composer are attached.
        anchors.fill: parent
        onDropped: (drop) => {
            if (!drop.hasUrls) return
            for (const url of drop.urls) ChatController.attachFile(url.toString())
            drop.accept(Qt.CopyAction)
        }
    }
    // Made when first needed: Qt 6.4's non-native file dialog holds images that it never frees.
    Loader {
        id: attachDialog
        active: false
        sourceComponent: Component {
            FileDialog {
                title: qsTr("Attach files")
                fileMode: FileDialog.OpenFiles
                currentFolder: ChatController.attachments.startFolder
                nameFilters: [qsTr("Documents and code (*.txt *.md *.csv *.tsv *.pdf *.json *.py *.js *.ts *.c *.cpp *.h *.rs *.go *.java *.sh *.html *.css *.xml *.yaml *.toml)"),
                              qsTr("All files (*)")]
                onAccepted: { for (const url of selectedFiles) ChatController.attachFile(url.toString()) }
            }
        }
        onLoaded: item.open()
        function open() { if (active) item.open(); else active = true }
    }

    ColumnLayout {
        id: column
        anchors.fill: parent
        spacing: 4
        Flow {
            objectName: "attachmentChips"
            Layout.fillWidth: true
            Layout.preferredHeight: root.hasFiles ? implicitHeight : 0
            spacing: 6
            clip: true
            Repeater {
                model: ChatController.attachments.items
                delegate: Rectangle {
                    id: chip
                    required property var modelData
                    required property int index
                    objectName: "attachmentChip"
                    radius: height / 2
                    color: palette.alternateBase
                    border.color: palette.mid
                    implicitWidth: chipRow.implicitWidth + 16
                    implicitHeight: chipRow.implicitHeight + 6
                    Accessible.role: Accessible.StaticText
                    Accessible.name: qsTr("Attached file %1").arg(chip.modelData.name)
                    Row {
                        id: chipRow
                        anchors.centerIn: parent
                        spacing: 6
                        Label {
                            anchors.verticalCenter: parent.verticalCenter
                            text: chip.modelData.name
                            textFormat: Text.PlainText
                            elide: Text.ElideMiddle
                            width: Math.min(implicitWidth, 220)
                        }
                        Label {
                            objectName: "attachmentTokens"
                            anchors.verticalCenter: parent.verticalCenter
                            opacity: 0.6
                            text: chip.modelData.tokens < 0 ? (ModelController.modelLoaded ? qsTr("counting…") : Qt.locale().formattedDataSize(chip.modelData.bytes))
                                  : chip.modelData.tokens === 1 ? qsTr("1 token") : qsTr("%1 tokens").arg(Number(chip.modelData.tokens).toLocaleString(Qt.locale(), "f", 0))
                        }
                        ToolButton {
                            objectName: "removeAttachment"
                            anchors.verticalCenter: parent.verticalCenter
                            text: "×"
                            padding: 0
                            implicitWidth: 20
                            implicitHeight: 20
                            onClicked: ChatController.attachments.remove(chip.index)
                            Accessible.name: qsTr("Remove %1").arg(chip.modelData.name)
                        }
                    }
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            ToolButton {
                objectName: "attachButton"
                text: qsTr("Attach…")
                enabled: ModelController.modelLoaded
                onClicked: attachDialog.open()
                Accessible.name: qsTr("Attach files")
                ToolTip.visible: hovered
                ToolTip.delay: 600
                ToolTip.text: qsTr("Attach text, code, Markdown, CSV or PDF files (or drop them here)")
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
                enabled: root.ready && (input.text.trim() !== "" || root.hasFiles)
                onClicked: root.submit()
                Accessible.name: qsTr("Send message")
            }
        }
    }
}
