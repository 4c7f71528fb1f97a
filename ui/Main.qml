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
    title: ModelController.modelName ? qsTr("Hearth — %1").arg(ModelController.modelName) : qsTr("Hearth")

    onClosing: ChatController.shutdown()

    // Colours from the theme setting; appearance.cpp holds the one definition of the themes.
    readonly property var colors: AppSettings.themeColors
    palette.window: colors.window
    palette.active.windowText: colors.windowText
    palette.inactive.windowText: colors.windowText
    palette.base: colors.base
    palette.alternateBase: colors.alternateBase
    palette.active.text: colors.text
    palette.inactive.text: colors.text
    palette.button: colors.button
    palette.active.buttonText: colors.buttonText
    palette.inactive.buttonText: colors.buttonText
    palette.highlight: colors.highlight
    palette.highlightedText: colors.highlightedText
    palette.mid: colors.mid
    palette.light: colors.light
    palette.midlight: colors.midlight
    palette.dark: colors.dark
    palette.placeholderText: colors.placeholderText
    palette.link: colors.link
    // Text roles per group: a colour set for all groups could land after these and hide the
    // disabled state (binding order is not defined).
    palette.disabled.windowText: colors.disabledText
    palette.disabled.text: colors.disabledText
    palette.disabled.buttonText: colors.disabledText

    FileDialog {
        id: modelDialog
        title: qsTr("Add a model file")
        nameFilters: [qsTr("GGUF models (*.gguf)"), qsTr("All files (*)")]
        onAccepted: ModelController.loadModel(selectedFile)
    }

    SettingsDialog { id: settings; palette: window.palette }
    AboutDialog { id: about; palette: window.palette }
    ModelsDialog { id: models; palette: window.palette; onAddModel: modelDialog.open() }
    PromptInspectorDialog { id: inspector; palette: window.palette }

    Shortcut { sequence: "Ctrl+N"; onActivated: ChatController.newConversation() }
    Shortcut { sequence: "Ctrl+Shift+N"; onActivated: ChatController.newIncognitoConversation() }
    Shortcut { sequence: "Ctrl+F"; onActivated: sidebar.focusSearch() }
    Shortcut { sequence: "Ctrl+,"; onActivated: settings.open() }
    Shortcut { sequence: "Esc"; enabled: ChatController.generating; onActivated: ChatController.stop() }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.leftMargin: 8
            anchors.rightMargin: 8
            Label {
                text: ModelController.loadingModel ? qsTr("Loading %1…").arg(ModelController.modelName)
                      : ModelController.modelLoaded ? ModelController.modelName : qsTr("No model loaded")
                font.bold: true
                elide: Text.ElideMiddle
                Layout.fillWidth: true
                Accessible.name: qsTr("Current model")
            }
            BusyIndicator { running: ModelController.loadingModel; visible: running; implicitHeight: 28; implicitWidth: 28 }
            ProgressBar {
                objectName: "loadProgress"
                visible: ModelController.loadingModel && ModelController.loadProgress > 0
                value: ModelController.loadProgress
                implicitWidth: 160
                Accessible.name: qsTr("Model loading progress")
            }
            ToolButton {
                visible: ModelController.loadingModel
                text: qsTr("Cancel")
                onClicked: ModelController.cancelLoad()
                Accessible.name: qsTr("Cancel loading the model")
            }
            Label {
                // GPU offload: a model bigger than the GPU, split between it and the CPU.
                objectName: "placementLabel"
                visible: ModelController.modelLoaded && ModelController.placement !== ""
                text: qsTr("GPU offload: %1").arg(ModelController.placement)
                opacity: 0.7
                elide: Text.ElideRight
                Layout.maximumWidth: 460
                Accessible.name: text
            }
            Label {
                visible: ModelController.modelLoaded && ModelController.contextLength > 0
                text: qsTr("context %1 / %2").arg(ChatController.contextUsed).arg(ModelController.contextLength)
                opacity: 0.7
            }
            ToolButton {
                objectName: "downloadIndicator"
                visible: DownloadController.activeDownloads > 0
                text: qsTr("↓ %1%").arg(Math.round(DownloadController.overallProgress * 100))
                onClicked: models.openAt(3)
                ToolTip.visible: hovered
                ToolTip.text: qsTr("%n download(s) in progress", "", DownloadController.activeDownloads)
                Accessible.name: qsTr("Downloads in progress: %1 percent").arg(Math.round(DownloadController.overallProgress * 100))
            }
            ToolButton { text: qsTr("Models…"); onClicked: models.open(); Accessible.name: qsTr("Manage models") }
            ToolButton {
                text: qsTr("Prompt")
                enabled: ModelController.modelLoaded
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
                currentIndex: (!ModelController.modelLoaded && !ModelController.loadingModel && ChatController.messages.count === 0
                               && ChatController.currentConversation === 0 && !ChatController.incognito) ? 0 : 1
                WelcomeView { onAddModel: modelDialog.open(); onBrowseModels: models.openAt(1); onEncryptHistory: settings.openEncryption() }
                ChatView { }
            }
        }
    }

    DropArea {
        anchors.fill: parent
        onDropped: (drop) => { if (drop.hasUrls) ModelController.loadModel(drop.urls[0]) }
    }
}
