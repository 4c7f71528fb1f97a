// Generation settings, persisted in the store.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Hearth.Core

Dialog {
    id: dialog
    title: qsTr("Settings")
    modal: true
    // The welcome screen's "Encrypt my history…": the Privacy tab with the passphrase dialog open.
    function openEncryption() {
        settingsTabs.currentIndex = 4
        dialog.open()
        privacyPage.passphraseDialog.openFor("encrypt")
    }
    anchors.centerIn: parent
    // Wider with a larger font, never wider or taller than the window: the tabs scroll instead.
    width: Math.min(parent ? parent.width - 24 : 460, Math.max(460, Math.round(Qt.application.font.pointSize * 42)))
    height: parent ? Math.min(parent.height - 24, implicitHeight) : implicitHeight
    standardButtons: Dialog.Close
    // Opaque in every theme (the style's dialog background let the chat show through in dark).
    background: Rectangle { color: palette.window; border.color: palette.mid; radius: 4 }

    ColumnLayout {
        anchors.fill: parent
        TabBar {
            id: settingsTabs
            objectName: "settingsTabs"
            Layout.fillWidth: true
            TabButton { text: qsTr("General") }
            TabButton { text: qsTr("Models and network") }
            TabButton { text: qsTr("Local server") }
            TabButton { text: qsTr("Assistants") }
            TabButton { text: qsTr("Privacy") }
        }
        ScrollView {
            id: tabScroll
            Layout.fillWidth: true
            Layout.fillHeight: true
            contentWidth: availableWidth
            clip: true
        StackLayout {
            width: tabScroll.availableWidth
            currentIndex: settingsTabs.currentIndex
            GridLayout {
                columns: 2
                Label { text: qsTr("Compute device") }
                FitComboBox {
                    objectName: "deviceBox"
                    model: ModelController.devices
                    currentIndex: ModelController.deviceIndex
                    onActivated: (index) => ModelController.deviceIndex = index
                    Layout.fillWidth: true
                    Accessible.name: qsTr("Compute device")
                }
                Label {
                    objectName: "automaticDeviceReason"
                    Layout.columnSpan: 2
                    Layout.fillWidth: true
                    Layout.maximumWidth: 420
                    wrapMode: Text.Wrap
                    font.pointSize: Math.max(7, Qt.application.font.pointSize - 1)
                    color: palette.placeholderText
                    text: ModelController.automaticDeviceReason === "" ? ""
                          : qsTr("Automatic runs on: %1").arg(ModelController.automaticDeviceReason)
                }
                Label {
                    objectName: "selfTestSummary"
                    visible: ModelController.selfTestSummary !== ""
                    Layout.columnSpan: 2
                    Layout.fillWidth: true
                    Layout.maximumWidth: 420
                    wrapMode: Text.Wrap
                    font.pointSize: Math.max(7, Qt.application.font.pointSize - 1)
                    color: palette.placeholderText
                    text: qsTr("GPU self-test: %1").arg(ModelController.selfTestSummary)
                    Accessible.name: text
                }
                Label { text: qsTr("Theme") }
                FitComboBox {
                    objectName: "themeBox"
                    readonly property var values: ["system", "light", "dark", "contrast"]
                    model: [qsTr("Follow the system"), qsTr("Light"), qsTr("Dark"), qsTr("High contrast")]
                    currentIndex: Math.max(0, values.indexOf(AppSettings.theme))
                    onActivated: (index) => AppSettings.theme = values[index]
                    Layout.fillWidth: true
                    Accessible.name: qsTr("Theme")
                }
                Label { text: qsTr("Font size") }
                SpinBox {
                    from: 0; to: 32
                    value: AppSettings.fontSize
                    textFromValue: (value) => value === 0 ? qsTr("system") : value + " pt"
                    valueFromText: (text) => text === qsTr("system") ? 0 : parseInt(text)
                    onValueModified: AppSettings.fontSize = value
                    Accessible.name: qsTr("Font size in points")
                }
                Label { text: qsTr("Temperature") }
                RowLayout {
                    Slider {
                        id: temperature
                        objectName: "temperatureSlider"
                        from: 0; to: 2; stepSize: 0.05
                        value: AppSettings.temperature
                        onMoved: AppSettings.temperature = value
                        Layout.fillWidth: true
                        Accessible.name: qsTr("Temperature")
                    }
                    Label { text: AppSettings.temperature.toFixed(2) }
                }
                Label { text: qsTr("Max reply tokens") }
                SpinBox {
                    from: 16; to: 8192; stepSize: 16
                    value: AppSettings.maxTokens
                    editable: true
                    onValueModified: AppSettings.maxTokens = value
                    Accessible.name: qsTr("Maximum reply length in tokens")
                }
                Label { text: qsTr("Top-k") }
                SpinBox {
                    objectName: "topKBox"
                    from: 0; to: 1000
                    value: AppSettings.topK
                    editable: true
                    onValueModified: AppSettings.topK = value
                    Accessible.name: qsTr("Top-k (0 turns it off)")
                }
                Label { text: qsTr("Top-p") }
                RowLayout {
                    Slider {
                        from: 0.05; to: 1; stepSize: 0.01
                        value: AppSettings.topP
                        onMoved: AppSettings.topP = value
                        Layout.fillWidth: true
                        Accessible.name: qsTr("Top-p (1 turns it off)")
                    }
                    Label { text: AppSettings.topP.toFixed(2) }
                }
                Label { text: qsTr("Min-p") }
                RowLayout {
                    Slider {
                        from: 0; to: 0.5; stepSize: 0.01
                        value: AppSettings.minP
                        onMoved: AppSettings.minP = value
                        Layout.fillWidth: true
                        Accessible.name: qsTr("Min-p (0 turns it off)")
                    }
                    Label { text: AppSettings.minP.toFixed(2) }
                }
                Label { text: qsTr("Repeat penalty") }
                RowLayout {
                    Slider {
                        from: 1; to: 2; stepSize: 0.01
                        value: AppSettings.repeatPenalty
                        onMoved: AppSettings.repeatPenalty = value
                        Layout.fillWidth: true
                        Accessible.name: qsTr("Repeat penalty (1 turns it off)")
                    }
                    Label { text: AppSettings.repeatPenalty.toFixed(2) }
                }
                Label { text: qsTr("Seed") }
                SpinBox {
                    from: -1; to: 2147483647
                    value: AppSettings.seed
                    editable: true
                    textFromValue: (value) => value < 0 ? qsTr("random") : String(value)
                    valueFromText: (text) => text === qsTr("random") ? -1 : parseInt(text)
                    onValueModified: AppSettings.seed = value
                    Accessible.name: qsTr("Seed (random: a new one for every reply)")
                }
                Label { text: qsTr("Context length") }
                SpinBox {
                    from: 256; to: 131072; stepSize: 256
                    value: AppSettings.contextLength
                    editable: true
                    onValueModified: AppSettings.contextLength = value
                    Accessible.name: qsTr("Context length in tokens (used at the next model load)")
                }
                Label {
                    text: qsTr("GPU offload")
                    Layout.alignment: Qt.AlignTop
                    topPadding: 6  // beside its spin box, above the notes under it
                }
                ColumnLayout {
                    SpinBox {
                        id: gpuLayers
                        from: -1; to: 999
                        value: AppSettings.gpuLayers
                        editable: true
                        textFromValue: (value) => value < 0 ? qsTr("automatic") : qsTr("%1 layers").arg(value)
                        valueFromText: (text) => text === qsTr("automatic") ? -1 : parseInt(text)
                        onValueModified: AppSettings.gpuLayers = value
                        Accessible.name: qsTr("Layers of the model on the GPU (automatic: as many as fit; the rest run on the CPU)")
                    }
                    Label {
                        visible: ModelController.placement !== ""
                        text: qsTr("The loaded model: %1.").arg(ModelController.placement)
                        wrapMode: Text.Wrap
                        Layout.fillWidth: true
                        Layout.maximumWidth: 360
                    }
                    Label {
                        text: qsTr("A model bigger than the GPU runs its first layers on the CPU. Used at the next model load; the bar at the top says where each part runs.")
                        wrapMode: Text.Wrap
                        opacity: 0.7
                        Layout.fillWidth: true
                        Layout.maximumWidth: 360
                    }
                }
                Label { text: qsTr("System prompt") }
                TextField {
                    text: AppSettings.systemPrompt
                    placeholderText: qsTr("e.g. You are a concise assistant.")
                    onEditingFinished: AppSettings.systemPrompt = text
                    Layout.fillWidth: true
                    Accessible.name: qsTr("System prompt")
                }
            }
            NetworkSettings { }
            LocalServerSettings { }
            AssistantSettings { }
            PrivacySettings { id: privacyPage; objectName: "privacySettings" }
        }
        }
    }
}
