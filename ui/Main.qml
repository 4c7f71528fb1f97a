// The main window: conversations on the left, the chat (or the welcome screen) on the right.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import Hearth.Core

ApplicationWindow {
    id: window
    width: 1100
    height: 720
    visible: true
    title: ChatController.modelName ? qsTr("Hearth — %1").arg(ChatController.modelName) : qsTr("Hearth")

    onClosing: ChatController.shutdown()

    // Appearance from the settings: the system's palette, or a light or dark one. (The C++ side
    // sets the application palette and font too; Fusion's windows and popups take these.)
    readonly property bool dark: ChatController.theme === "dark"
    readonly property bool themed: ChatController.theme !== "system"
    palette.window: !themed ? Qt.application.palette.window : dark ? "#202124" : "#f3f3f3"
    palette.windowText: !themed ? Qt.application.palette.windowText : dark ? "#e8eaed" : "#1f1f1f"
    palette.base: !themed ? Qt.application.palette.base : dark ? "#2a2b2e" : "#ffffff"
    palette.alternateBase: !themed ? Qt.application.palette.alternateBase : dark ? "#35363a" : "#eceff3"
    palette.text: !themed ? Qt.application.palette.text : dark ? "#e8eaed" : "#1f1f1f"
    palette.button: !themed ? Qt.application.palette.button : dark ? "#3c4043" : "#e6e6e6"
    palette.buttonText: !themed ? Qt.application.palette.buttonText : dark ? "#e8eaed" : "#1f1f1f"
    palette.highlight: !themed ? Qt.application.palette.highlight : dark ? "#8ab4f8" : "#1a73e8"
    palette.highlightedText: !themed ? Qt.application.palette.highlightedText : dark ? "#202124" : "#ffffff"
    palette.mid: !themed ? Qt.application.palette.mid : dark ? "#5f6368" : "#c4c7c5"
    palette.light: !themed ? Qt.application.palette.light : dark ? "#4a4d51" : "#ffffff"
    palette.midlight: !themed ? Qt.application.palette.midlight : dark ? "#35363a" : "#eceff3"
    palette.dark: !themed ? Qt.application.palette.dark : dark ? "#17181a" : "#a0a0a0"
    palette.placeholderText: !themed ? Qt.application.palette.placeholderText : dark ? "#9aa0a6" : "#80868b"

    FileDialog {
        id: modelDialog
        title: qsTr("Add a model file")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: ChatController.loadModel(selectedFile)
    }

    SettingsDialog { id: settings; palette: window.palette }
    AboutDialog { id: about; palette: window.palette }
    ModelsDialog { id: models; palette: window.palette; onAddModel: modelDialog.open() }
    PromptInspectorDialog { id: inspector; palette: window.palette }

    Shortcut { sequence: "Ctrl+N"; onActivated: ChatController.newConversation() }
    Shortcut { sequence: "Ctrl+F"; onActivated: sidebar.focusSearch() }
    Shortcut { sequence: "Ctrl+,"; onActivated: settings.open() }
    Shortcut { sequence: "Esc"; enabled: ChatController.generating; onActivated: ChatController.stop() }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            Label {
                text: ChatController.loadingModel ? qsTr("Loading %1…").arg(ChatController.modelName)
                      : ChatController.modelLoaded ? ChatController.modelName : qsTr("No model loaded")
                font.bold: true
                elide: Text.ElideMiddle
                Layout.fillWidth: true
                Accessible.name: qsTr("Current model")
            }
            BusyIndicator { running: ChatController.loadingModel; visible: running; implicitHeight: 28; implicitWidth: 28 }
            ProgressBar {
                objectName: "loadProgress"
                visible: ChatController.loadingModel && ChatController.loadProgress > 0
                value: ChatController.loadProgress
                implicitWidth: 160
                Accessible.name: qsTr("Model loading progress")
            }
            ToolButton {
                visible: ChatController.loadingModel
                text: qsTr("Cancel")
                onClicked: ChatController.cancelLoad()
                Accessible.name: qsTr("Cancel loading the model")
            }
            Label {
                visible: ChatController.modelLoaded && ChatController.contextLength > 0
                text: qsTr("context %1 / %2").arg(ChatController.contextUsed).arg(ChatController.contextLength)
                opacity: 0.7
            }
            ToolButton { text: qsTr("Models…"); onClicked: models.open(); Accessible.name: qsTr("Manage models") }
            ToolButton {
                text: qsTr("Prompt")
                enabled: ChatController.modelLoaded
                onClicked: inspector.open()
                Accessible.name: qsTr("Show the exact prompt")
            }
            ToolButton { text: qsTr("Settings"); onClicked: settings.open(); Accessible.name: text }
            ToolButton { text: qsTr("About"); onClicked: about.open(); Accessible.name: qsTr("About Hearth") }
        }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Rectangle {
            Layout.fillWidth: true
            visible: ChatController.errorMessage !== ""
            color: "#fde2e1"
            implicitHeight: errorRow.implicitHeight + 16
            RowLayout {
                id: errorRow
                anchors.fill: parent
                anchors.margins: 8
                Label { text: ChatController.errorMessage; textFormat: Text.PlainText; wrapMode: Text.Wrap; color: "#8a1c1c"; Layout.fillWidth: true }
                Button { text: qsTr("Dismiss"); onClicked: ChatController.clearError() }
            }
        }

        SplitView {
            Layout.fillWidth: true
            Layout.fillHeight: true

            Sidebar {
                id: sidebar
                SplitView.preferredWidth: 260
                SplitView.minimumWidth: 180
            }

            StackLayout {
                SplitView.fillWidth: true
                currentIndex: (!ChatController.modelLoaded && !ChatController.loadingModel && ChatController.messages.rowCount() === 0
                               && ChatController.currentConversation === 0) ? 0 : 1
                WelcomeView { onAddModel: modelDialog.open() }
                ChatView { }
            }
        }
    }

    DropArea {
        anchors.fill: parent
        onDropped: (drop) => { if (drop.hasUrls) ChatController.loadModel(drop.urls[0]) }
    }
}
